using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;

namespace Mesos.HA.Master.Agents;

/// <summary>
/// One registered agent's channel, bound to the leadership term it registered in. It exists from the start
/// of the agent's (re-)registration decision, so that what the decision sends the agent (a drain's kills, an
/// orphan executor's shutdown) is not lost: until <see cref="Open"/> it holds those messages, which follow
/// <see cref="AgentRegistered"/> then, in order.
/// </summary>
internal sealed class AgentSession(AgentId agent, long term, FrameChannel channel, string remote)
{
    public AgentId Agent { get; } = agent;
    public long Term { get; } = term;
    public FrameChannel Channel { get; } = channel;
    public string Remote { get; } = remote;

    private readonly Lock gate = new();
    private List<AgentMessage>? held = [];

    // 1 once a frame arrived since the liveness loop last looked.
    private int seen;

    /// <summary>Sends in this session's term (held until the session opens); false when the channel is gone or congested.</summary>
    public bool TrySend(AgentMessage message)
    {
        if (Volatile.Read(ref held) is not null)
        {
            lock (gate)
            {
                if (held is not null)
                {
                    held.Add(message);
                    return true;
                }
            }
        }
        return Channel.TrySend(Term, message);
    }

    /// <summary>The registration is decided: <paramref name="first"/> goes out, then what the decision sent, then the rest.</summary>
    public void Open(AgentMessage first)
    {
        lock (gate)
        {
            Channel.TrySend(Term, first);
            foreach (var message in held ?? []) Channel.TrySend(Term, message);
            Volatile.Write(ref held, null);
        }
    }

    /// <summary>A frame arrived: the agent is alive (told to the core with the others, once per ping interval).</summary>
    public void MarkSeen() => Volatile.Write(ref seen, 1);

    /// <summary>Whether a frame arrived since the last call.</summary>
    public bool TakeSeen() => Interlocked.Exchange(ref seen, 0) == 1;
}
