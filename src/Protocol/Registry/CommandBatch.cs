using MessagePack;

namespace Mesos.HA.Protocol.Registry;

/// <summary>
/// One Raft log entry: the commands proposed together (group commit). Replicating many small
/// commands in one entry is what lets concurrent writers share a replication round and a disk
/// flush. Commands in a batch are applied in order, each with its own result.
/// </summary>
[MessagePackObject]
public sealed record CommandBatch(
    [property: Key(0)] int Version,
    [property: Key(1)] IReadOnlyList<CommandEnvelope> Commands);
