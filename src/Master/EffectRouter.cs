using Mesos.HA.Master.Agents;
using Mesos.HA.Master.Core;
using Mesos.HA.Master.Scheduler;

namespace Mesos.HA.Master;

/// <summary>Sends each of the leader's effects to the transport it belongs to: agents or frameworks (and the operators' event streams).</summary>
public sealed class EffectRouter : IEffectSink
{
    public AgentHub? Agents { get; set; }

    public FrameworkHub? Frameworks { get; set; }

    /// <summary>The operator API's event streams: they hear of every task launched and updated.</summary>
    public Operator.V1.OperatorEvents? Operators { get; set; }

    public void Publish(long term, Effect effect)
    {
        Operators?.Observe(term, effect);
        switch (effect)
        {
            case LaunchTask or KillTask or ForwardAcknowledgement or SendExecutorMessage or StopExecutor or StopAgent:
                Agents?.Deliver(term, effect);
                break;
            case SendOffers or RescindOffer or SendInverseOffers or RescindInverseOffer or SendUpdate or ForwardUpdate or SendFrameworkMessage
                or ExecutorLost:
                Frameworks?.Deliver(term, effect);
                break;
            case AgentLost:
                Frameworks?.Deliver(term, effect);
                Agents?.Deliver(term, effect); // a session still open is ended: the agent must re-register to count again
                break;
            // CallRejected is answered by the call that caused it; ProposeRegistry never reaches a sink.
        }
    }
}
