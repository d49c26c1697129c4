using MessagePack;

namespace Mesos.HA.Protocol.Registry;

/// <summary>The parts of a framework's FrameworkInfo that must survive a master failover.</summary>
[MessagePackObject]
public sealed record FrameworkInfo(
    [property: Key(0)] string Name,
    [property: Key(1)] string User,
    [property: Key(2)] IReadOnlyList<string> Roles,
    [property: Key(3)] IReadOnlyList<string> Capabilities,
    [property: Key(4)] string? Principal,
    [property: Key(5)] string? Hostname,
    [property: Key(6)] string? WebuiUrl);

/// <summary>
/// A framework as the registry keeps it. <see cref="DisconnectedAtMs"/> is kept here (unlike Mesos,
/// MESOS-4659) so that the failover timeout keeps running across master failovers.
/// </summary>
[MessagePackObject]
public sealed record FrameworkRecord(
    [property: Key(0)] FrameworkId Id,
    [property: Key(1)] FrameworkInfo Info,
    [property: Key(2)] long FailoverTimeoutMs,
    [property: Key(3)] long RegisteredAtMs,
    [property: Key(4)] long? DisconnectedAtMs);
