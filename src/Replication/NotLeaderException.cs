namespace Mesos.HA.Replication;

/// <summary>
/// This master does not lead (or stopped leading while the call ran). <see cref="Leader"/> is who
/// leads as far as this master knows, or null when no leader is known. When thrown by
/// <c>ProposeAsync</c> after the entry was appended, the outcome is unknown: the entry may still
/// commit under the new leader, so proposers retry with commands that are safe to repeat.
/// </summary>
public sealed class NotLeaderException(LeaderInfo? leader, Exception? inner = null)
    : Exception(leader is null ? "no leader is known" : $"not the leader; the leader is {leader.HttpAddress} (raft {leader.RaftEndPoint})", inner)
{
    public LeaderInfo? Leader { get; } = leader;

    /// <summary>
    /// True when the proposal was refused before anything was appended (this master did not lead when
    /// it was asked): the write certainly did not happen and may be sent to the leader as it is. False
    /// (the default) when the outcome is unknown or the exception is not about a write.
    /// </summary>
    public bool NothingWritten { get; init; }
}

/// <summary>The leader as a master knows it: its Raft endpoint and the HTTP address clients should use.</summary>
public sealed record LeaderInfo(string RaftEndPoint, string HttpAddress, bool IsLocal);

/// <summary>How fresh a registry read must be.</summary>
public enum ReadConsistency
{
    /// <summary>Through a read barrier on the leader: reflects every write committed before the read began.</summary>
    Linearizable,
    /// <summary>This master's applied copy, possibly behind the leader. Any master, no network round trip.</summary>
    LocalStale,
}

/// <summary>
/// This master became leader in <see cref="Term"/>, with every entry committed so far applied.
/// <see cref="Token"/> is cancelled the moment leadership is lost: leader-only work must stop then.
/// </summary>
public sealed record LeadershipTerm(long Term, CancellationToken Token);
