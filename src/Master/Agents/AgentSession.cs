using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;

namespace Mesos.HA.Master.Agents;

/// <summary>One registered agent's channel, bound to the leadership term it registered in.</summary>
internal sealed class AgentSession(AgentId agent, long term, FrameChannel channel, string remote)
{
    public AgentId Agent { get; } = agent;
    public long Term { get; } = term;
    public FrameChannel Channel { get; } = channel;
    public string Remote { get; } = remote;

    /// <summary>Sends in this session's term; false when the channel is gone or congested.</summary>
    public bool TrySend(AgentMessage message) => Channel.TrySend(Term, message);
}
