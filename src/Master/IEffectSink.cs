using Mesos.HA.Master.Core;

namespace Mesos.HA.Master;

/// <summary>
/// Where the leader's messages to agents and frameworks go (the agent and scheduler transports).
/// Called from the leader's single decision loop; implementations must not block.
/// </summary>
public interface IEffectSink
{
    void Publish(long term, Effect effect);
}
