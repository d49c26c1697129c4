namespace Mesos.HA.Replication;

/// <summary>
/// One member of the Raft configuration as this master knows it. <see cref="Status"/> is what this
/// master's Raft node last saw of it (<c>available</c>, <c>unavailable</c>, <c>unknown</c>): on the
/// leader that is the replication traffic, on a follower mostly <c>unknown</c>.
/// </summary>
public sealed record MemberInfo(string RaftEndPoint, bool IsLeader, bool IsLocal, string Status);

/// <summary>The outcome of a membership change that reached the leader.</summary>
public enum MembershipChangeStatus
{
    /// <summary>The new configuration is committed and applied on the leader.</summary>
    Done,
    /// <summary>Adding a master that is already a member: nothing changed.</summary>
    AlreadyMember,
    /// <summary>Removing a master that is not a member: nothing changed.</summary>
    NotMember,
    /// <summary>Another change is running; one change at a time (nothing changed by this request).</summary>
    ChangeInProgress,
    /// <summary>The new master did not answer or catch up within the warm-up rounds; it was not added.</summary>
    NotCaughtUp,
    /// <summary>Removing the leader itself: step it down first, then remove it through the new leader.</summary>
    IsLeader,
}

/// <summary>A membership change's outcome and a sentence for the operator.</summary>
public sealed record MembershipChangeResult(MembershipChangeStatus Status, string Message);
