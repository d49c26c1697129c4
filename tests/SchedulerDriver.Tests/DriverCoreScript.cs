using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.SchedulerDriver.Core;

namespace Mesos.HA.SchedulerDriver.Tests;

/// <summary>
/// Drives a <see cref="DriverCore"/> on a scripted clock and renders its effects as one line each,
/// so that a test states an input and the exact transcript it expects. Jitter is the identity unless
/// a test gives its own, so backoff delays are exact.
/// </summary>
public sealed class DriverCoreScript
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly IReadOnlyList<string> Masters = ["m1", "m2", "m3"];

    public DriverCoreScript(string? frameworkId = null, DriverCoreOptions? options = null, Func<TimeSpan, TimeSpan>? jitter = null)
    {
        Core = new DriverCore(Masters, frameworkId, options ?? new DriverCoreOptions(), jitter ?? (d => d));
    }

    public DriverCore Core { get; }

    /// <summary>Milliseconds since <see cref="T0"/>.</summary>
    public long NowMs { get; private set; }

    /// <summary>Feeds one input at the current time; returns the transcript of its effects.</summary>
    public string[] Step(DriverInput input) => [.. Core.Step(input, T0.AddMilliseconds(NowMs)).Select(Render)];

    /// <summary>Moves the clock to <paramref name="ms"/> and ticks.</summary>
    public string[] TickAt(long ms)
    {
        NowMs = ms;
        return Step(Tick.Instance);
    }

    /// <summary>Moves the clock without a tick (an input arrives later).</summary>
    public DriverCoreScript At(long ms)
    {
        NowMs = ms;
        return this;
    }

    /// <summary>Starts and subscribes as <paramref name="id"/> with master m1 (heartbeat 1 s: silence after 3 s with 2 missed).</summary>
    public void Subscribe(string id = "fw")
    {
        Step(new StartDriver());
        Step(new SubscribeAnswered(1, id, TimeSpan.FromSeconds(1)));
    }

    public static TaskInfo Task(string id, string agent) => new(id, id, agent, ResourceText.Parse("cpus:1"), "true");

    public static TaskUpdate Update(string task, TaskState state, string? agent = "a1", string? uuid = "u1") =>
        new(task, state, agent, "", "", "SOURCE_EXECUTOR", uuid, 0);

    public string Render(DriverEffect effect) => effect switch
    {
        OpenSubscription o => $"open {o.Attempt} {o.Master}{(o.FrameworkId is null ? "" : " as " + o.FrameworkId)}",
        CloseSubscription c => $"close {c.Attempt}",
        SendCall s => $"send {s.Attempt} {Render(s.Call)}",
        CallDropped d => $"drop {Render(d.Call)}",
        SubscribeAttemptFailed f => $"failed {f.Attempt} {f.Master}, retry in {f.RetryIn.TotalMilliseconds:F0} ms",
        WakeAt w => $"wake at {(w.At - T0).TotalMilliseconds:F0}",
        DriverEnded e => $"ended {e.Status}",
        NotifyRegistered r => $"registered {r.FrameworkId} {r.Master}",
        NotifyReregistered r => $"reregistered {r.Master}",
        NotifyDisconnected d => $"disconnected {d.Master} {d.Cause}",
        NotifyOffers o => $"offers {string.Join(",", o.Offers.Select(x => x.Id))}",
        NotifyRescinded r => $"rescinded {r.OfferId}",
        NotifyInverseOffers i => $"inverse offers {string.Join(",", i.InverseOffers.Select(x => x.Id))}",
        NotifyInverseOfferRescinded r => $"inverse offer rescinded {r.InverseOfferId}",
        NotifyUpdate u => $"update {u.Update.TaskId} {u.Update.State}",
        NotifyAgentLost a => $"agent lost {a.AgentId}",
        NotifyExecutorLost e => $"executor lost {e.ExecutorId}",
        NotifyMessage m => $"message {m.ExecutorId}@{m.AgentId} {System.Text.Encoding.UTF8.GetString(m.Data)}",
        NotifyError e => $"error {e.Message}",
        _ => effect.ToString(),
    };

    public static string Render(DriverCall call) => call switch
    {
        AcceptCall a => $"ACCEPT {string.Join(",", a.OfferIds)} launch {string.Join(",", a.Tasks.Select(t => t.TaskId))}",
        DeclineCall d => $"DECLINE {string.Join(",", d.OfferIds)}",
        AcceptInverseOffersCall a => $"ACCEPT_INVERSE_OFFERS {string.Join(",", a.InverseOfferIds)}{Render(a.Filters)}",
        DeclineInverseOffersCall d => $"DECLINE_INVERSE_OFFERS {string.Join(",", d.InverseOfferIds)}{Render(d.Filters)}",
        KillCall k => $"KILL {k.TaskId}@{k.AgentId ?? "?"}",
        AcknowledgeCall a => $"ACKNOWLEDGE {a.TaskId}@{a.AgentId} {a.Uuid}",
        ReconcileCall r => $"RECONCILE [{string.Join(",", r.Tasks.Select(t => $"{t.TaskId}@{t.AgentId ?? "?"}"))}]",
        MessageCall m => $"MESSAGE {m.ExecutorId}@{m.AgentId} {System.Text.Encoding.UTF8.GetString(m.Data)}",
        _ => call.Type,
    };

    private static string Render(Filters? filters) => filters is null ? "" : $" refuse {filters.RefuseFor.TotalSeconds:0.###} s";
}
