using MessagePack;

namespace Mesos.HA.Protocol.Agent;

/// <summary>
/// One frame on the master-agent channel: the protocol version, the sender's leadership term (the
/// master's term; 0 from agents) and the message. On the wire it is a 4-byte big-endian length
/// followed by this MessagePack array.
/// </summary>
[MessagePackObject]
public sealed record AgentFrame(
    [property: Key(0)] int Version,
    [property: Key(1)] long Term,
    [property: Key(2)] AgentMessage Message);
