using Mesos.HA.Master.Core;

namespace Mesos.HA.Master;

/// <summary>
/// Where the leader's messages to agents and frameworks go (the agent and scheduler transports).
/// Called by the leadership's one sender, one effect at a time, in the order the core decided them;
/// implementations must not block.
/// </summary>
public interface IEffectSink
{
    void Publish(long term, Effect effect);
}
