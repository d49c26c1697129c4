namespace Mesos.HA.Replication;

/// <summary>
/// Thrown from a follower's append instead of acknowledging entries that contradict one this master
/// committed: the leader must not count this member as holding its log.
/// </summary>
internal sealed class CommittedEntryConflictException(CommittedEntryConflict conflict)
    : InvalidOperationException($"the leader's entry at committed index {conflict.Index} has term {conflict.LeaderTerm}, this log's has term {conflict.LocalTerm}")
{
    public CommittedEntryConflict Conflict { get; } = conflict;
}
