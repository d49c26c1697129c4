namespace Mesos.HA.Checkers;

/// <summary>
/// Is one register's history linearizable? A Wing-and-Gong search with Lowe's memo on (operations
/// linearized so far, register value), iterative so long histories do not exhaust the stack, and
/// bounded in the states it visits.
/// </summary>
/// <remarks>
/// Writes of unknown outcome (no completion) may take effect at any point after their invocation or
/// never. One whose value no read returned can always be left out (it explains no read and could only
/// contradict some), so it is dropped before the search: without that, every such write doubles the
/// states to visit. One whose value was read (and nobody else wrote) took effect before that read
/// completed, so it is searched as if it completed then. Reads that failed are not in the history.
/// </remarks>
internal static class LinearizabilitySearch
{
    public const int MaxStatesVisited = 500_000;

    public enum Verdict { Linearizable, NotLinearizable, GaveUp }

    public static Verdict Check(IReadOnlyList<RegisterHistory.Operation> history)
    {
        // The first completion of a read that returned each value: a write of unknown outcome whose
        // value was read took effect before that read, so it is placed as if it completed then (with
        // unique values this keeps every write's window bounded; otherwise it only narrows the search).
        var firstReadOf = history.Where(o => !o.IsWrite && o.Value is not null).GroupBy(o => o.Value!.Value)
            .ToDictionary(g => g.Key, g => g.Min(o => o.Completed!.Value));
        var ops = history
            .Where(o => !o.IsWrite || o.Completed is not null || (o.Value is { } v && firstReadOf.ContainsKey(v)))
            .Select(o => o.IsWrite && o.Completed is null && UniqueWriter(history, o) ? o with { Completed = firstReadOf[o.Value!.Value] } : o)
            .OrderBy(o => o.Invoked).ToArray();
        var required = ops.Count(o => o.Completed is not null);
        if (required == 0) return Verdict.Linearizable;

        var seen = new HashSet<State>();
        var stack = new Stack<Frame>();
        stack.Push(new Frame(new Bits(ops.Length), null, required, 0));
        while (stack.Count > 0)
        {
            var frame = stack.Pop();
            if (frame.Remaining == 0) return Verdict.Linearizable;
            if (frame.Next == 0 && !seen.Add(new State(frame.Done, frame.Value))) continue;
            if (seen.Count > MaxStatesVisited) return Verdict.GaveUp;
            // Candidates: not yet linearized, invoked before every pending completed operation completed.
            var earliestCompletion = long.MaxValue;
            for (var i = 0; i < ops.Length; i++)
                if (!frame.Done[i] && ops[i].Completed is { } c && c < earliestCompletion) earliestCompletion = c;
            for (var i = frame.Next; i < ops.Length; i++)
            {
                if (frame.Done[i]) continue;
                if (ops[i].Invoked > earliestCompletion) break; // sorted by invocation: none further can go first
                var op = ops[i];
                if (!op.IsWrite && !Equals(op.Value, frame.Value)) continue;
                // Come back for the next candidate after this branch fails.
                stack.Push(frame with { Next = i + 1 });
                var value = op.IsWrite ? op.Value : frame.Value;
                stack.Push(new Frame(frame.Done.With(i), value, frame.Remaining - (op.Completed is not null ? 1 : 0), 0));
                break;
            }
        }
        return Verdict.NotLinearizable;
    }

    /// <summary>No other write of the key wrote the same value (then a read of it can only have seen this one).</summary>
    private static bool UniqueWriter(IReadOnlyList<RegisterHistory.Operation> history, RegisterHistory.Operation write) =>
        history.Count(o => o.IsWrite && Equals(o.Value, write.Value)) == 1;

    private readonly record struct Frame(Bits Done, double? Value, int Remaining, int Next);

    private readonly record struct State(Bits Done, double? Value);

    /// <summary>An immutable bit set with value equality (the memo key).</summary>
    private readonly struct Bits : IEquatable<Bits>
    {
        private readonly ulong[] words;

        public Bits(int count) => words = new ulong[(count + 63) / 64];

        private Bits(ulong[] words) => this.words = words;

        public bool this[int i] => (words[i >> 6] & (1UL << (i & 63))) != 0;

        public Bits With(int i)
        {
            var copy = (ulong[])words.Clone();
            copy[i >> 6] |= 1UL << (i & 63);
            return new Bits(copy);
        }

        public bool Equals(Bits other) => words.AsSpan().SequenceEqual(other.words);

        public override bool Equals(object? obj) => obj is Bits other && Equals(other);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            foreach (var word in words) hash.Add(word);
            return hash.ToHashCode();
        }
    }
}
