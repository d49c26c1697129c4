namespace Mesos.HA.Replication;

/// <summary>
/// The leader a master knows of changed (<see cref="ReplicatedRegistry.LeaderChanged"/>): the new one, or
/// null when it knows none, and this master's Raft term when it learned it.
/// </summary>
public readonly record struct LeaderChange(LeaderInfo? Leader, long Term);
