using MessagePack;

namespace Mesos.HA.Protocol.Registry;

/// <summary>
/// The whole registry as one value, every list sorted by id so that equal registries encode to
/// equal bytes. Used for Raft snapshots sent to lagging members and for replica digests.
/// </summary>
[MessagePackObject]
public sealed record RegistryImage(
    [property: Key(0)] int Version,
    [property: Key(1)] IReadOnlyList<AgentRecord> Agents,
    [property: Key(2)] IReadOnlyList<FrameworkRecord> Frameworks,
    [property: Key(3)] IReadOnlyList<RoleWeight> Weights,
    [property: Key(4)] IReadOnlyList<QuotaRecord> Quotas)
{
    /// <summary>The maintenance schedule's machines, sorted by their place in it (absent in images written before maintenance).</summary>
    [Key(5)]
    public IReadOnlyList<MachineRecord> Machines { get; init; } = [];
}
