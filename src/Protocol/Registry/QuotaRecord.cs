using MessagePack;

namespace Mesos.HA.Protocol.Registry;

/// <summary>
/// A role's quota: resources guaranteed to it and the most it may be allocated, both in the
/// Mesos text form (<c>cpus:4;mem:8192</c>). An empty string means "none".
/// </summary>
[MessagePackObject]
public sealed record QuotaRecord(
    [property: Key(0)] string Role,
    [property: Key(1)] string Guarantees,
    [property: Key(2)] string Limits);
