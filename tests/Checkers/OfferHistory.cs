using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Mesos.HA.Checkers;

/// <summary>One line of a master's leadership journal: <c>&lt;monotonic µs&gt; &lt;term&gt; leader|follower</c>.</summary>
public sealed record JournalLine(string Master, long Micros, long Term, bool Leader)
{
    /// <summary>Every well-formed line of the given journals (missing files are skipped).</summary>
    public static IReadOnlyList<JournalLine> Read(IEnumerable<(string Master, string Path)> journals)
    {
        var lines = new List<JournalLine>();
        foreach (var (master, path) in journals)
        {
            if (!File.Exists(path)) continue;
            foreach (var line in File.ReadLines(path))
            {
                var parts = line.Split(' ');
                if (parts.Length == 3 && long.TryParse(parts[0], CultureInfo.InvariantCulture, out var micros)
                    && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var term) && parts[2] is "leader" or "follower")
                    lines.Add(new JournalLine(master, micros, term, parts[2] == "leader"));
            }
        }
        return lines;
    }
}

/// <summary>
/// The offers a framework received, with when (the machine's monotonic clock, as the masters'
/// leadership journals), judged against the journals: a master that stopped leading sends no more offers.
/// </summary>
public sealed partial class OfferHistory
{
    /// <summary>
    /// How long after its master stopped leading an offer may still reach the framework: one made just
    /// before, on its way or waiting in the framework's driver. A deposed leader that keeps offering
    /// does so for as long as agents stay with it, past this.
    /// </summary>
    public static readonly TimeSpan InFlight = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long after a partition of its master healed an offer may still arrive: one sent before the
    /// master was deposed waits for TCP's next retransmission, which backs off to seconds (a 1 s
    /// allowance failed the partition run on an offer that arrived 1.6 s after the new leader's election).
    /// </summary>
    public static readonly TimeSpan AfterHeal = TimeSpan.FromSeconds(5);

    private readonly ConcurrentQueue<(string Master, long Micros)> heals = new();

    /// <summary>The link of <paramref name="master"/> (a journal's name, e.g. m2) was restored at <paramref name="micros"/>.</summary>
    public void PartitionHealed(string master, long micros) => heals.Enqueue((master, micros));

    private readonly ConcurrentQueue<(string Offer, long Micros)> received = new();

    /// <summary>
    /// An offer that a partition held up: its master's link was restored after it was deposed and no
    /// longer than <see cref="AfterHeal"/> before the offer arrived (nothing it sent could arrive while cut).
    /// </summary>
    private bool HeldUpByAPartition(JournalLine[] claims, long deposed, long at) =>
        heals.Any(h => claims.Any(c => c.Master == h.Master) && h.Micros >= deposed && at - h.Micros <= (long)AfterHeal.TotalMicroseconds);

    public int Count => received.Count;

    /// <summary>The framework received offer <paramref name="offerId"/> at <paramref name="micros"/> (monotonic µs).</summary>
    public void Received(string offerId, long micros) => received.Enqueue((offerId, micros));

    /// <summary>
    /// Every offer comes from the leader of the term its id names (<c>t&lt;term&gt;-...</c>) while it led:
    /// received no later than <see cref="InFlight"/> after that master's next journal line (it stopped
    /// leading) or after a leader of a newer term appeared, whichever came first — or, when that
    /// master was cut off from everyone and healed after it was deposed, no later than
    /// <see cref="AfterHeal"/> after the heal.
    /// </summary>
    public CheckResult NoOfferFromADeposedLeader(IReadOnlyList<JournalLine> journals)
    {
        const string invariant = "no offer from a master after it stopped leading the offer's term";
        var slack = (long)InFlight.TotalMicroseconds;
        var problems = new List<string>();
        // What the journals say about a term, worked out once per term (a run has thousands of offers and a few terms).
        var terms = new Dictionary<long, (JournalLine[] Claims, long?[] Ends)>();
        foreach (var (offer, at) in received.OrderBy(r => r.Micros))
        {
            if (TermOf(offer) is not { } term)
            {
                problems.Add($"offer {offer}: no term in its id");
                continue;
            }
            if (!terms.TryGetValue(term, out var known)) terms[term] = known = Judge(journals, term);
            var (claims, ends) = known;
            if (claims.Length == 0)
            {
                problems.Add($"offer {offer} of term {term}: no master journaled leading it");
                continue;
            }
            if (ends.All(e => e is not null) && ends.Max() is { } end && at > end + slack && !HeldUpByAPartition(claims, end, at))
                problems.Add($"offer {offer} of term {term} received {(at - end) / 1000} ms after its leader was deposed");
        }
        return problems.Count == 0
            ? CheckResult.Pass(invariant, $"{received.Count} offers")
            : CheckResult.Fail(invariant, $"{problems.Count} offers: {string.Join("; ", problems.Take(10))}");
    }

    /// <summary>The masters that journaled leading <paramref name="term"/>, and when each stopped (its next line, or a newer term's leader, whichever came first).</summary>
    private static (JournalLine[] Claims, long?[] Ends) Judge(IReadOnlyList<JournalLine> journals, long term)
    {
        var claims = journals.Where(j => j.Leader && j.Term == term).ToArray();
        var newer = journals.Where(j => j.Leader && j.Term > term).Select(j => (long?)j.Micros).Min();
        // The offer's sender is one of the term's claimants (two would be a broken election, judged elsewhere): the latest end counts.
        var ends = claims.Select(c => Min(journals.Where(j => j.Master == c.Master && j.Micros > c.Micros).Select(j => (long?)j.Micros).Min(), newer)).ToArray();
        return (claims, ends);
    }

    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);

    private static long? TermOf(string offer) =>
        TermPattern().Match(offer) is { Success: true } m && long.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out var t) ? t : null;

    [GeneratedRegex("^t([0-9]+)-")]
    private static partial Regex TermPattern();
}
