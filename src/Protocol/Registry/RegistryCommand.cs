using MessagePack;

namespace Mesos.HA.Protocol.Registry;

/// <summary>
/// A change to the replicated registry. Commands are proposed by the leading master, replicated
/// through Raft and applied in log order by every master. Timestamps are chosen by the proposer
/// (Unix milliseconds), never read at apply time, so every replica computes the same state.
/// Union tags are part of the on-disk format: never reuse or renumber one.
/// </summary>
[Union(1, typeof(AdmitAgent))]
[Union(2, typeof(MarkAgentUnreachable))]
[Union(3, typeof(ReadmitAgent))]
[Union(4, typeof(MarkAgentGone))]
[Union(5, typeof(RemoveAgent))]
[Union(6, typeof(AddFramework))]
[Union(7, typeof(UpdateFramework))]
[Union(8, typeof(RemoveFramework))]
[Union(9, typeof(SetWeights))]
[Union(10, typeof(SetQuota))]
[Union(11, typeof(DeactivateAgent))]
[Union(12, typeof(DrainAgent))]
[Union(13, typeof(ReactivateAgent))]
[Union(14, typeof(MarkAgentDrained))]
[Union(15, typeof(UpdateMaintenanceSchedule))]
[Union(16, typeof(StartMaintenance))]
[Union(17, typeof(StopMaintenance))]
[Union(18, typeof(SetInverseOfferStatus))]
public abstract record RegistryCommand;

/// <summary>Admits a new agent (first registration).</summary>
[MessagePackObject]
public sealed record AdmitAgent([property: Key(0)] AgentInfo Info, [property: Key(1)] long AtMs) : RegistryCommand;

/// <summary>Marks an active agent unreachable (missed pings, or absent after a failover).</summary>
[MessagePackObject]
public sealed record MarkAgentUnreachable([property: Key(0)] AgentId AgentId, [property: Key(1)] long AtMs) : RegistryCommand;

/// <summary>Readmits an unreachable agent that came back, possibly with updated info.</summary>
[MessagePackObject]
public sealed record ReadmitAgent([property: Key(0)] AgentInfo Info, [property: Key(1)] long AtMs) : RegistryCommand;

/// <summary>Declares an agent gone for good; it is never readmitted.</summary>
[MessagePackObject]
public sealed record MarkAgentGone([property: Key(0)] AgentId AgentId, [property: Key(1)] long AtMs) : RegistryCommand;

/// <summary>Forgets an agent entirely (garbage collection of unreachable or gone agents).</summary>
[MessagePackObject]
public sealed record RemoveAgent([property: Key(0)] AgentId AgentId) : RegistryCommand;

/// <summary>Registers a framework on its first subscription.</summary>
[MessagePackObject]
public sealed record AddFramework(
    [property: Key(0)] FrameworkId Id,
    [property: Key(1)] FrameworkInfo Info,
    [property: Key(2)] long FailoverTimeoutMs,
    [property: Key(3)] long AtMs) : RegistryCommand;

/// <summary>How an <see cref="UpdateFramework"/> changes the framework's connection state.</summary>
public enum FrameworkConnectionChange
{
    Unchanged = 0,
    Connected = 1,
    Disconnected = 2,
}

/// <summary>
/// Updates a framework. Null fields are left unchanged, so concurrent partial updates proposed by
/// one leader never overwrite each other. <see cref="AtMs"/> is the disconnect time when
/// <see cref="Connection"/> is <see cref="FrameworkConnectionChange.Disconnected"/>.
/// </summary>
[MessagePackObject]
public sealed record UpdateFramework(
    [property: Key(0)] FrameworkId Id,
    [property: Key(1)] FrameworkInfo? Info,
    [property: Key(2)] long? FailoverTimeoutMs,
    [property: Key(3)] FrameworkConnectionChange Connection,
    [property: Key(4)] long AtMs) : RegistryCommand;

/// <summary>Removes a framework (teardown, or its failover timeout expired).</summary>
[MessagePackObject]
public sealed record RemoveFramework([property: Key(0)] FrameworkId Id) : RegistryCommand;

/// <summary>One role's weight for the DRF allocator.</summary>
[MessagePackObject]
public sealed record RoleWeight([property: Key(0)] string Role, [property: Key(1)] double Weight);

/// <summary>Sets the weights of the given roles (other roles keep theirs; weight 1 is the default and is stored as absence).</summary>
[MessagePackObject]
public sealed record SetWeights([property: Key(0)] IReadOnlyList<RoleWeight> Weights) : RegistryCommand;

/// <summary>Sets a role's quota; empty guarantees and limits remove it.</summary>
[MessagePackObject]
public sealed record SetQuota([property: Key(0)] QuotaRecord Quota) : RegistryCommand;

/// <summary>Keeps an agent out of offers (its tasks keep running) until it is reactivated.</summary>
[MessagePackObject]
public sealed record DeactivateAgent([property: Key(0)] AgentId AgentId) : RegistryCommand;

/// <summary>Deactivates an agent and kills its tasks, each with at most <see cref="MaxGraceMs"/> to stop (its own grace when null).</summary>
[MessagePackObject]
public sealed record DrainAgent([property: Key(0)] AgentId AgentId, [property: Key(1)] long? MaxGraceMs, [property: Key(2)] bool MarkGone)
    : RegistryCommand;

/// <summary>Puts a deactivated or draining agent back into offers.</summary>
[MessagePackObject]
public sealed record ReactivateAgent([property: Key(0)] AgentId AgentId) : RegistryCommand;

/// <summary>A draining agent's last task ended and was acknowledged.</summary>
[MessagePackObject]
public sealed record MarkAgentDrained([property: Key(0)] AgentId AgentId) : RegistryCommand;

/// <summary>
/// Replaces the maintenance schedule: machines new to it start DRAINING, machines left out of it go back UP
/// (a DOWN machine may not be left out), a machine whose window moved loses its frameworks' answers.
/// </summary>
[MessagePackObject]
public sealed record UpdateMaintenanceSchedule([property: Key(0)] IReadOnlyList<MaintenanceWindow> Windows) : RegistryCommand;

/// <summary>
/// Takes DRAINING machines DOWN: the agents on them are marked gone at <see cref="AtMs"/> (each registers anew, under
/// a new id, once its machine is UP), and no agent of a DOWN machine is admitted.
/// </summary>
[MessagePackObject]
public sealed record StartMaintenance([property: Key(0)] IReadOnlyList<MachineId> Machines) : RegistryCommand
{
    [Key(1)]
    public long AtMs { get; init; }
}

/// <summary>Brings DOWN machines back UP: they leave the schedule, and their agents may register again.</summary>
[MessagePackObject]
public sealed record StopMaintenance([property: Key(0)] IReadOnlyList<MachineId> Machines) : RegistryCommand;

/// <summary>Records a framework's answer to an inverse offer for a DRAINING machine.</summary>
[MessagePackObject]
public sealed record SetInverseOfferStatus(
    [property: Key(0)] MachineId Machine,
    [property: Key(1)] FrameworkId Framework,
    [property: Key(2)] InverseOfferAnswer Answer,
    [property: Key(3)] long AtMs) : RegistryCommand;
