using Mesos.HA.Master.Core;

namespace Mesos.HA.Simulation;

/// <summary>
/// Simulated time and the one ordered queue of everything that happens: events run one at a time, in
/// time order (ties in the order they were scheduled), on the caller's thread. One seeded generator
/// decides every random choice, so a seed replays bit for bit. Every event that matters is written to
/// the history, whose digest names the run.
/// </summary>
public sealed class SimLoop
{
    /// <summary>Where simulated time starts (a fixed instant: wall-clock time never enters a run).</summary>
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // Each event with the node whose work it is (null: the simulation's own), so a paused node's work
    // waits without a wrapping closure per event.
    private readonly PriorityQueue<(SimNode? Node, Action Action), Due> queue = new();
    private readonly HistoryWriter digest = new();
    private readonly List<string>? trace;
    private long sequence;

    private readonly int thread = Environment.CurrentManagedThreadId;

    /// <summary>Set when some work ran on another thread than the loop's (the run is then not reproducible).</summary>
    public string? Escaped { get; private set; }

    /// <summary>Notes (once) that <paramref name="what"/> ran off the loop's thread.</summary>
    public void OnLoopThread(string what)
    {
        if (Environment.CurrentManagedThreadId != thread) Escaped ??= $"{what} ran on thread {Environment.CurrentManagedThreadId}, not the loop's {thread}";
    }

    public SimLoop(int seed, bool keepTrace = false)
    {
        Random = new Random(seed);
        trace = keepTrace ? [] : null;
    }

    public Random Random { get; }

    /// <summary>Simulated milliseconds since <see cref="Epoch"/>.</summary>
    public long NowMs { get; private set; }

    public DateTimeOffset Now => Epoch.AddMilliseconds(NowMs);

    /// <summary>Simulated microseconds, for the checkers that judge leadership journals.</summary>
    public long NowMicros => NowMs * 1000;

    public long EventsRun { get; private set; }

    public long HistoryLines { get; private set; }

    /// <summary>The history's lines, when kept (for reports of a failing seed).</summary>
    public IReadOnlyList<string> Trace => trace ?? [];

    public void After(long delayMs, Action action) => queue.Enqueue((null, action), new Due(NowMs + Math.Max(0, delayMs), sequence++));

    /// <summary>
    /// Work of <paramref name="node"/> (its timers, what arrives for it): while the node is paused it
    /// waits, and runs when the pause ends, in the order it came due (a SIGSTOPped process, then SIGCONT).
    /// </summary>
    public void On(SimNode node, long delayMs, Action action) => queue.Enqueue((node, action), new Due(NowMs + Math.Max(0, delayMs), sequence++));

    /// <summary>When an event is due: in time order, ties in the order they were scheduled.</summary>
    private readonly record struct Due(long At, long Sequence) : IComparable<Due>
    {
        public int CompareTo(Due other) => At != other.At ? At.CompareTo(other.At) : Sequence.CompareTo(other.Sequence);
    }

    /// <summary>
    /// <paramref name="work"/> of <paramref name="node"/> every <paramref name="ms"/>, for as long as the
    /// incarnation that started it lives (a crash ends it; a restart starts its own).
    /// </summary>
    public void Every(SimNode node, long ms, Action work)
    {
        var incarnation = node.Incarnation;
        void Tick()
        {
            if (!node.Up || node.Incarnation != incarnation) return;
            work();
            On(node, ms, Tick);
        }
        On(node, ms, Tick);
    }

    /// <summary>Runs events until none is left before <paramref name="untilMs"/>, stopping early when <paramref name="stop"/> says so.</summary>
    public void Run(long untilMs, Func<bool>? stop = null)
    {
        while (queue.TryPeek(out var due, out var key) && key.At <= untilMs)
        {
            queue.Dequeue();
            NowMs = key.At;
            EventsRun++;
            if (due.Node is { } node && node.PausedUntil > NowMs) On(node, node.PausedUntil - NowMs, due.Action);
            else due.Action();
            if (stop?.Invoke() == true) return;
        }
        NowMs = Math.Max(NowMs, untilMs);
    }

    /// <summary>Writes one line to the history (and its digest).</summary>
    public void Record(string line)
    {
        HistoryLines++;
        trace?.Add($"{NowMs} {line}");
        digest.Begin(1, NowMs);
        digest.Text(line);
    }

    /// <summary>
    /// Writes to the history that <paramref name="message"/> reached <paramref name="to"/>. The digest
    /// takes the message's fields; a line of text is made only for a kept trace.
    /// </summary>
    public void RecordDelivery(SimNode from, SimNode to, object message)
    {
        HistoryLines++;
        trace?.Add($"{NowMs} {from.Name}>{to.Name} {History.Of(message)}");
        digest.Begin(2, NowMs);
        digest.Text(from.Name);
        digest.Text(to.Name);
        HistoryEncoding.Write(digest, message);
    }

    /// <summary>Writes to the history that <paramref name="master"/>'s core of <paramref name="term"/> takes <paramref name="input"/>.</summary>
    public void RecordInput(SimNode master, long term, MasterInput input)
    {
        HistoryLines++;
        trace?.Add($"{NowMs} {master.Name} t{term} input {History.Of(input)}");
        digest.Begin(3, NowMs);
        digest.Text(master.Name);
        digest.Long(term);
        HistoryEncoding.Write(digest, input);
    }

    /// <summary>The digest of the history so far (hex, 16 characters).</summary>
    public string Digest() => digest.Digest();

    /// <summary>A uniform integer in [min, max].</summary>
    public int Between(int min, int max) => Random.Next(min, max + 1);

    public bool Chance(double p) => Random.NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[Random.Next(items.Count)];

    /// <summary>A Guid drawn from the run's generator (never from the machine).</summary>
    public Guid NextGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.NextBytes(bytes);
        return new Guid(bytes);
    }

    /// <summary>A short hex id drawn from the run's generator.</summary>
    public string NextHex(int length = 8)
    {
        Span<byte> bytes = stackalloc byte[(length + 1) / 2];
        Random.NextBytes(bytes);
        return Convert.ToHexString(bytes)[..length].ToLowerInvariant();
    }
}
