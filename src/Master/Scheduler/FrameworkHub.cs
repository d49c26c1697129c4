using System.Collections.Concurrent;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Replication;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Master.Scheduler;

/// <summary>
/// The subscribed frameworks of the leading master and the delivery of the leader's
/// framework-bound effects (offers, rescinds, updates, executors' messages and ends) to their event streams. A stream belongs to
/// the leadership term it subscribed in; effects of another term never reach it, and the streams
/// of a term are closed when it ends (the frameworks re-subscribe with the next leader).
/// </summary>
public sealed partial class FrameworkHub : IDisposable
{
    private readonly IRegistryLeadership registry;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly ConcurrentDictionary<FrameworkId, Subscriber> subscribers = new();

    public FrameworkHub(IRegistryLeadership registry, ILogger logger, TimeProvider time, SchedulerApiOptions options)
    {
        this.registry = registry;
        this.logger = logger;
        this.time = time;
        Options = options;
        registry.LostLeadership += OnLostLeadership;
    }

    public SchedulerApiOptions Options { get; }

    public int Subscribed => subscribers.Count;

    internal Subscriber? Find(FrameworkId framework) => subscribers.GetValueOrDefault(framework);

    /// <summary>Registers a new stream for the framework; the one it replaces gets ERROR and is closed.</summary>
    internal Subscriber Add(FrameworkId framework, long term)
    {
        var subscriber = new Subscriber(framework, Guid.NewGuid().ToString(), term, Options.EventQueueCapacity);
        if (subscribers.TryGetValue(framework, out var previous))
            previous.CloseWith(SchedulerEventJson.Error("Framework failed over: a newer subscription replaced this stream"), replaced: true);
        subscribers[framework] = subscriber;
        return subscriber;
    }

    /// <summary>Forgets the stream if it is still the framework's current one; true when it was.</summary>
    internal bool Remove(Subscriber subscriber) => subscribers.TryRemove(KeyValuePair.Create(subscriber.Framework, subscriber));

    /// <summary>Carries the leader's framework-bound effects to the streams; false when there is nobody to take it.</summary>
    public bool Deliver(long term, Effect effect)
    {
        if (effect is AgentLost lost)
        {
            var failure = SchedulerEventJson.AgentFailure(lost.Agent);
            foreach (var s in subscribers.Values.Where(s => s.Term == term)) s.Enqueue(failure);
            return true;
        }
        // Encoded only for a stream that will take it: effects for frameworks without one are dropped unencoded.
        if (FrameworkOf(effect) is not { } id || !subscribers.TryGetValue(id, out var subscriber) || subscriber.Term != term) return false;
        var json = effect switch
        {
            SendOffers o => SchedulerEventJson.Offers(o.Offers, AddressOf),
            RescindOffer r => SchedulerEventJson.Rescind(r.Offer),
            SendInverseOffers i => SchedulerEventJson.InverseOffers(i.InverseOffers, AddressOf),
            RescindInverseOffer r => SchedulerEventJson.RescindInverseOffer(r.InverseOffer),
            SendUpdate u => SchedulerEventJson.Update(u.Task, null, u.State, null, u.Message, u.Reason, time.GetUtcNow()),
            ForwardUpdate f => SchedulerEventJson.Update(f.Task, f.Agent, f.State, f.Uuid, f.Message, f.Reason, time.GetUtcNow(), f.Details),
            SendFrameworkMessage m => SchedulerEventJson.Message(m.Agent, m.Executor, m.Data),
            ExecutorLost e => SchedulerEventJson.ExecutorFailure(e.Agent, e.Executor, e.Status),
            _ => throw new InvalidOperationException("unreachable"),
        };
        if (subscriber.Enqueue(json)) return true;
        LogQueueFull(logger, id.Value, Options.EventQueueCapacity);
        return false;
    }

    /// <summary>The one framework an effect goes to; null for effects bound elsewhere (or to every framework).</summary>
    internal static FrameworkId? FrameworkOf(Effect effect) => effect switch
    {
        SendOffers o => o.Framework, RescindOffer r => r.Framework, SendUpdate u => u.Framework, ForwardUpdate f => f.Framework,
        SendInverseOffers i => i.Framework, RescindInverseOffer r => r.Framework,
        SendFrameworkMessage m => m.Framework, ExecutorLost e => e.Framework,
        _ => null,
    };

    private AgentAddress AddressOf(AgentId agent)
    {
        if (!registry.LocalRegistry.Agents.TryGetValue(agent, out var record)) return new AgentAddress("", "", 0);
        var (host, port) = HostPort.Parse(record.Info.Endpoint);
        return new AgentAddress(record.Info.Hostname, host, port);
    }

    private void OnLostLeadership(long term)
    {
        if (registry.InjectedBugs.HasFlag(InjectedBugs.DeposedLeaderKeepsOffering)) return; // injected bug: streams stay open
        foreach (var subscriber in subscribers.Values.Where(s => s.Term <= term))
        {
            subscribers.TryRemove(KeyValuePair.Create(subscriber.Framework, subscriber));
            subscriber.Close();
        }
    }

    public void Dispose() => registry.LostLeadership -= OnLostLeadership;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing the event stream of framework {Framework}: {Capacity} events are waiting unread")]
    private static partial void LogQueueFull(ILogger logger, string framework, int capacity);
}

/// <summary>Settings of the scheduler API.</summary>
public sealed record SchedulerApiOptions
{
    /// <summary>HEARTBEAT period on event streams (Mesos: 15 s).</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Events waiting for a slow framework before its stream is closed. Room for an implicit and an explicit
    /// reconciliation of 100,000 tasks (one answer each) besides the other events: at 65,536 a framework of
    /// that size lost its stream on every failover (bench failover-scale) and reconciled all over again.
    /// </summary>
    public int EventQueueCapacity { get; init; } = 262_144;

    /// <summary>Larger call bodies are refused.</summary>
    public int MaxCallBytes { get; init; } = 4 * 1024 * 1024;
}
