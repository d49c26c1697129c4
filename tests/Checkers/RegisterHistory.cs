using System.Collections.Concurrent;

namespace Mesos.HA.Checkers;

/// <summary>
/// Operations on the registry seen as a map of registers (one per role's weight): each write or read
/// with its invocation and completion times. A write whose outcome is unknown (timeout, crash) may
/// or may not have taken effect, at any time after its invocation.
/// </summary>
public sealed class RegisterHistory
{
    /// <param name="Master">For a read of one master's own copy (<c>?local=true</c>): which master process (id and pid: a restarted master replays its log and may show older values for a moment); null for linearizable operations.</param>
    public sealed record Operation(string Key, bool IsWrite, double? Value, long Invoked, long? Completed, string? Master = null);

    private readonly ConcurrentQueue<Operation> operations = new();

    public int Count => operations.Count;

    public void Write(string key, double value, long invoked, long? completed) => operations.Enqueue(new(key, true, value, invoked, completed));

    /// <summary>A read that completed and saw <paramref name="value"/> (null: the key did not exist).</summary>
    public void Read(string key, double? value, long invoked, long completed) => operations.Enqueue(new(key, false, value, invoked, completed));

    /// <summary>A read of master <paramref name="master"/>'s own applied copy, which may be behind the leader.</summary>
    public void LocalRead(string master, string key, double? value, long invoked, long completed) =>
        operations.Enqueue(new(key, false, value, invoked, completed, master));

    /// <summary>Per key: acknowledged writes, writes of unknown outcome, linearizable reads, local reads.</summary>
    public IEnumerable<(string Key, int Acknowledged, int Unknown, int Reads, int LocalReads)> Counts() =>
        operations.GroupBy(o => o.Key).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key,
            g.Count(o => o.IsWrite && o.Completed is not null), g.Count(o => o.IsWrite && o.Completed is null),
            g.Count(o => !o.IsWrite && o.Master is null), g.Count(o => o.Master is not null)));

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
    /// Linearizability, key by key (a map of registers is linearizable when each register is): is there
    /// an order of the operations that respects real time (an operation completed before another was
    /// invoked comes first) in which every read returns the latest write? Writes of unknown outcome may
    /// be placed anywhere after their invocation, or left out. Local reads are judged separately.
    /// </summary>
    public CheckResult Linearizable()
    {
        var keys = 0;
        foreach (var group in operations.Where(o => o.Master is null).GroupBy(o => o.Key).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            keys++;
            var ops = group.OrderBy(o => o.Invoked).ToArray();
            switch (LinearizabilitySearch.Check(ops))
            {
                case LinearizabilitySearch.Verdict.NotLinearizable:
                    return CheckResult.Fail("registry history linearizable",
                        $"key {group.Key}: no order explains [{string.Join("; ", ops.Take(40).Select(Describe))}{(ops.Length > 40 ? "; ..." : "")}]");
                case LinearizabilitySearch.Verdict.GaveUp:
                    return CheckResult.Fail("registry history linearizable",
                        $"key {group.Key}: the search gave up after {LinearizabilitySearch.MaxStatesVisited} states over {ops.Length} operations");
            }
        }
        var checkedOps = operations.Count(o => o.Master is null);
        return CheckResult.Pass("registry history linearizable", $"{checkedOps} operations over {keys} keys");
    }

    /// <summary>
    /// What a master's own copy promises (reads with <c>?local=true</c>): it may be behind, but it only
    /// holds values somebody wrote before the read completed, and it never goes back: once a master
    /// showed a key the value of write w, it never again shows the value of a write that completed
    /// before w was invoked, nor the key missing (the workload never deletes).
    /// </summary>
    public CheckResult LocalReadsMonotonic()
    {
        var writes = operations.Where(o => o.IsWrite).GroupBy(o => (o.Key, o.Value)).ToDictionary(g => g.Key, g => g.First());
        var problems = new List<string>();
        var locals = operations.Where(o => o.Master is not null).ToArray();
        foreach (var read in locals.Where(r => r.Value is not null))
            if (!writes.TryGetValue((read.Key, read.Value), out var w) || w.Invoked > read.Completed)
                problems.Add($"{read.Master} read {read.Key}={read.Value}, which no write had begun to write");
        foreach (var group in locals.GroupBy(o => (o.Master, o.Key)))
        {
            // The read showing the write known to be latest so far; later reads must not show anything older.
            (Operation Read, Operation Write)? newest = null;
            foreach (var read in group.OrderBy(o => o.Completed))
            {
                var write = read.Value is null ? null : writes.GetValueOrDefault((read.Key, read.Value));
                if (newest is { } n && read.Invoked > n.Read.Completed
                    && (read.Value is null || (write is not null && write.Completed < n.Write.Invoked)))
                    problems.Add($"{group.Key.Master} {group.Key.Key}: showed {n.Read.Value}, then {(read.Value?.ToString() ?? "nothing")}");
                if (write is not null && (newest is null || newest.Value.Write.Completed < write.Invoked)) newest = (read, write);
            }
        }
        return problems.Count == 0
            ? CheckResult.Pass("local reads never go back", $"{locals.Length} local reads")
            : CheckResult.Fail("local reads never go back", string.Join("; ", problems.Take(10)));
    }

    private static string Describe(Operation o) =>
        $"{(o.IsWrite ? "w" : "r")}({o.Value?.ToString() ?? "nil"}) [{o.Invoked},{o.Completed?.ToString() ?? "?"}]";
}
