using MessagePack;

namespace Mesos.HA.Protocol.Registry;

/// <summary>
/// What goes into a Raft log entry: the encoding version, a request id that lets the proposer
/// recognise its own entry when it is applied, and the command.
/// </summary>
[MessagePackObject]
public sealed record CommandEnvelope(
    [property: Key(0)] int Version,
    [property: Key(1)] Guid RequestId,
    [property: Key(2)] RegistryCommand Command);
