namespace Mesos.HA.Replication;

/// <summary>
/// A leader sent, at <paramref name="Index"/>, an entry of <paramref name="LeaderTerm"/> where this
/// master's log holds an entry of <paramref name="LocalTerm"/> that it had already committed (and
/// maybe applied). Raft never lets that happen while acknowledged entries are durable; it means this
/// master applied an entry the group lost, and its registry can no longer be trusted.
/// </summary>
public readonly record struct CommittedEntryConflict(long Index, long LocalTerm, long LeaderTerm)
{
    /// <summary>
    /// The lowest index at which <paramref name="received"/> (the leader's entries, index and term)
    /// and <paramref name="local"/> (this log's entries at those indexes, where it still has them)
    /// disagree on the term; null when they agree wherever both are known. Pure.
    /// </summary>
    public static CommittedEntryConflict? Find(IEnumerable<(long Index, long Term)> received, IEnumerable<(long Index, long Term)> local)
    {
        var localTerms = new Dictionary<long, long>();
        foreach (var (index, term) in local) localTerms[index] = term;
        CommittedEntryConflict? first = null;
        foreach (var (index, term) in received)
        {
            if (!localTerms.TryGetValue(index, out var localTerm) || localTerm == term) continue;
            if (first is null || index < first.Value.Index) first = new CommittedEntryConflict(index, localTerm, term);
        }
        return first;
    }
}
