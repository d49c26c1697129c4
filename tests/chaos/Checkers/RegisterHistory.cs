using System.Collections.Concurrent;

namespace Mesos.HA.Chaos.Tests.Checkers;

/// <summary>
/// Operations on the registry seen as a map of registers (one per role's weight): each write or read
/// with its invocation and completion times. A write whose outcome is unknown (timeout, crash) may
/// or may not have taken effect, at any time after its invocation.
/// </summary>
public sealed class RegisterHistory
{
    public sealed record Operation(string Key, bool IsWrite, double? Value, long Invoked, long? Completed);

    private readonly ConcurrentQueue<Operation> operations = new();

    public int Count => operations.Count;

    public void Write(string key, double value, long invoked, long? completed) => operations.Enqueue(new(key, true, value, invoked, completed));

    /// <summary>A read that completed and saw <paramref name="value"/> (null: the key did not exist).</summary>
    public void Read(string key, double? value, long invoked, long completed) => operations.Enqueue(new(key, false, value, invoked, completed));

    /// <summary>Every acknowledged write is in the final state, or was overwritten by a later write to its key.</summary>
    public CheckResult NoAcknowledgedWriteLost(IReadOnlyDictionary<string, double> final)
    {
        var lost = new List<string>();
        foreach (var group in operations.Where(o => o.IsWrite).GroupBy(o => o.Key))
        {
            var lastAcknowledged = group.Where(o => o.Completed is not null).MaxBy(o => o.Completed);
            if (lastAcknowledged is null) continue;
            // The final value is the last acknowledged write's, or that of a write that may have been
            // ordered after it: one not completed before it began (overlapping, later, or of unknown outcome).
            var possible = group.Where(o => o == lastAcknowledged || !(o.Completed < lastAcknowledged.Invoked))
                .Select(o => o.Value).ToHashSet();
            if (!final.TryGetValue(group.Key, out var now) || !possible.Contains(now))
                lost.Add($"{group.Key}={lastAcknowledged.Value} (final: {(final.TryGetValue(group.Key, out var f) ? f : "missing")})");
        }
        return lost.Count == 0
            ? CheckResult.Pass("no acknowledged write lost", $"{operations.Count(o => o.IsWrite && o.Completed is not null)} acknowledged writes")
            : CheckResult.Fail("no acknowledged write lost", string.Join(", ", lost.Take(20)));
    }

    /// <summary>
    /// Linearizability, key by key (a map of registers is linearizable when each register is): a
    /// search for an order of the operations that respects real time (an operation completed before
    /// another was invoked comes first) in which every read returns the latest write. Writes of unknown
    /// outcome may be placed anywhere after their invocation, or left out.
    /// </summary>
    public CheckResult Linearizable()
    {
        foreach (var group in operations.GroupBy(o => o.Key))
        {
            var ops = group.OrderBy(o => o.Invoked).ToArray();
            if (ops.Length > 63)
                return CheckResult.Fail("registry history linearizable", $"key {group.Key} has {ops.Length} operations; the search takes at most 63 per key");
            if (!Search(ops))
                return CheckResult.Fail("registry history linearizable",
                    $"key {group.Key}: no order explains [{string.Join("; ", ops.Select(Describe))}]");
        }
        return CheckResult.Pass("registry history linearizable", $"{operations.Count} operations over {operations.Select(o => o.Key).Distinct().Count()} keys");
    }

    private static string Describe(Operation o) =>
        $"{(o.IsWrite ? "w" : "r")}({o.Value?.ToString() ?? "nil"}) [{o.Invoked},{o.Completed?.ToString() ?? "?"}]";

    /// <summary>Depth-first search over linearization orders (Wing and Gong), memoised on (done set, value).</summary>
    private static bool Search(Operation[] ops)
    {
        var failed = new HashSet<(ulong, double?)>();
        bool Step(ulong done, double? value, int remainingRequired)
        {
            if (remainingRequired == 0) return true;
            if (!failed.Add((done, value))) return false;
            // Candidates: not done, and no other pending operation completed before this one was invoked.
            var earliestCompletion = long.MaxValue;
            for (var i = 0; i < ops.Length; i++)
                if ((done & (1UL << i)) == 0 && ops[i].Completed is { } c && c < earliestCompletion) earliestCompletion = c;
            for (var i = 0; i < ops.Length; i++)
            {
                if ((done & (1UL << i)) != 0 || ops[i].Invoked > earliestCompletion) continue;
                var op = ops[i];
                var required = op.Completed is not null ? 1 : 0;
                if (op.IsWrite)
                {
                    if (Step(done | (1UL << i), op.Value, remainingRequired - required)) return true;
                }
                else if (Equals(op.Value, value) && Step(done | (1UL << i), value, remainingRequired - 1))
                {
                    return true;
                }
            }
            // Writes of unknown outcome may never have happened: done without them is fine.
            return false;
        }
        return Step(0, null, ops.Count(o => o.Completed is not null));
    }
}
