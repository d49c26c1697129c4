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

    // 1 once a frame arrived since the liveness loop last looked.
    private int seen;

    /// <summary>Sends in this session's term; false when the channel is gone or congested.</summary>
    public bool TrySend(AgentMessage message) => Channel.TrySend(Term, message);

    /// <summary>A frame arrived: the agent is alive (told to the core with the others, once per ping interval).</summary>
    public void MarkSeen() => Volatile.Write(ref seen, 1);

    /// <summary>Whether a frame arrived since the last call.</summary>
    public bool TakeSeen() => Interlocked.Exchange(ref seen, 0) == 1;
}
