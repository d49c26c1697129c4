using MessagePack;

namespace Mesos.HA.Protocol.Registry;

/// <summary>Where an admitted agent stands in the registry.</summary>
public enum AgentStatus
{
    /// <summary>Admitted and believed connected.</summary>
    Active = 0,
    /// <summary>Missed its pings or did not re-register in time; may come back.</summary>
    Unreachable = 1,
    /// <summary>Declared gone by an operator; will never be readmitted.</summary>
    Gone = 2,
}

/// <summary>What the agent told the master about itself when it was admitted.</summary>
[MessagePackObject]
public sealed record AgentInfo(
    [property: Key(0)] AgentId Id,
    [property: Key(1)] string Hostname,
    [property: Key(2)] string Endpoint,
    [property: Key(3)] string Resources,
    [property: Key(4)] IReadOnlyDictionary<string, string> Attributes);

/// <summary>An agent as the registry keeps it. Timestamps are Unix milliseconds chosen by the proposing leader.</summary>
[MessagePackObject]
public sealed record AgentRecord(
    [property: Key(0)] AgentInfo Info,
    [property: Key(1)] AgentStatus Status,
    [property: Key(2)] long AdmittedAtMs,
    [property: Key(3)] long? UnreachableSinceMs,
    [property: Key(4)] long? GoneAtMs)
{
    /// <summary>Set while an operator keeps the agent out of offers (DEACTIVATE_AGENT, DRAIN_AGENT); null when active.</summary>
    [Key(5)]
    public AgentMaintenance? Maintenance { get; init; }
}

/// <summary>
/// An agent an operator took out of offers: deactivated only, or draining (its tasks killed with the
/// grace capped at <see cref="MaxGraceMs"/>), then drained once every task ended and was acknowledged.
/// </summary>
[MessagePackObject]
public sealed record AgentMaintenance(
    [property: Key(0)] bool Draining,
    [property: Key(1)] long? MaxGraceMs,
    [property: Key(2)] bool MarkGone,
    [property: Key(3)] bool Drained);
