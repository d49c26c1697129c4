using Mesos.HA.Checkers;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.SchedulerDriver.Core;
using Driver = Mesos.HA.SchedulerDriver;
using DriverError = Mesos.HA.SchedulerDriver.Core.ErrorEvent;
using DriverHeartbeat = Mesos.HA.SchedulerDriver.Core.HeartbeatEvent;
using DriverTick = Mesos.HA.SchedulerDriver.Core.Tick;

namespace Mesos.HA.Simulation;

/// <summary>
/// A framework on the real driver: its protocol (masters in turn, 307s followed, failover with its
/// id, silence detection, re-subscription backoff, reconciliation of every live task after each
/// subscription, asked again with backoff while unanswered, every update acknowledged) is the
/// product's <see cref="DriverCore"/>, fed from this node's connections and the loop's timers, its
/// effects carried out over the simulated network (one connection per subscription attempt, calls
/// sent loose as HTTP requests are). Its scheduler keeps a few tasks in flight with fresh ids and
/// now and then kills one. Its id and its launched tasks are kept across its own crash, as a framework
/// that fails over keeps them; back up, it reconciles them as any framework back from a failover does.
/// </summary>
public sealed class SimFramework : SimNode
{
    private static readonly Resources PerTask = ResourceText.Parse("cpus:0.5;mem:64");

    /// <summary>The driver's timings here: the product's, but three missed heartbeats (2 s each) before the stream is taken for dead.</summary>
    private static readonly DriverCoreOptions DriverOptions = new() { MissedHeartbeats = 3 };

    private readonly SimLoop loop;
    private readonly SimNetwork network;
    private readonly IReadOnlyList<SimMaster> masters;
    private readonly TaskHistory history;
    private readonly OfferHistory offers;
    private readonly int concurrency;
    private readonly string[] order;
    // Kept across a crash (the framework's own store).
    private FrameworkId? id;
    private readonly Dictionary<TaskId, AgentId> live = [];
    private int nextTask;
    // In memory only: the driver and its transport's connections, one per subscription attempt.
    private DriverCore? driver;
    private readonly Dictionary<int, SimConnection> attempts = [];
    private readonly HashSet<int> subscribedAttempts = [];
    private int wakeGeneration;

    public SimFramework(string name, SimLoop loop, SimNetwork network, IReadOnlyList<SimMaster> masters, TaskHistory history, OfferHistory offers,
        int concurrency) : base(name)
    {
        this.loop = loop;
        this.network = network;
        this.masters = masters;
        this.history = history;
        this.offers = offers;
        this.concurrency = concurrency;
        // Each framework is configured with the masters in its own order (the driver tries them in turn from the first).
        var first = loop.Random.Next(masters.Count);
        order = [.. masters.Skip(first).Concat(masters.Take(first)).Select(m => m.Name)];
    }

    /// <summary>Launch new tasks (the safety phase) or only see the launched ones end (healing).</summary>
    public bool Launching { get; set; } = true;

    /// <summary>Kill every live task now and then (healing: hung tasks must end).</summary>
    public bool KillingAll { get; set; }

    public bool Subscribed => driver?.Subscription is not null;

    public SimNode? Master => driver?.Subscription is { } open && attempts.TryGetValue(open, out var c) ? c.Acceptor : null;

    public FrameworkId? Id => id;

    public int Live => live.Count;

    /// <summary>Inverse offers received, and how many of them it accepted, declined or let be.</summary>
    public (int Received, int Accepted, int Declined, int Ignored, int Rescinded) InverseOffers => (inverseReceived, accepted, declined, ignored, rescinded);

    private int inverseReceived, accepted, declined, ignored, rescinded;

    /// <summary>Set when a master refused this framework for good (its driver aborted).</summary>
    public string? Aborted { get; private set; }

    public void Start()
    {
        driver = new DriverCore(order, id?.Value, DriverOptions, delay => delay * (0.75 + 0.5 * loop.Random.NextDouble()));
        Decide(new StartDriver());
        // Back from a crash: what it launched and has not seen end is reconciled (and tracked by the driver).
        if (live.Count > 0)
            Decide(new ReconcileCalled([.. live.OrderBy(t => t.Key.Value, StringComparer.Ordinal).Select(t => (t.Key.Value, (string?)t.Value.Value))], Track: true));
        loop.Every(this, 3000, () =>
        {
            if (!Subscribed || live.Count == 0) return;
            // The driver's KILL names the agent the task was last heard on.
            if (KillingAll) foreach (var task in live.Keys.OrderBy(t => t.Value, StringComparer.Ordinal).ToArray()) Decide(new KillTaskCalled(task.Value));
            else if (loop.Chance(0.3) && loop.Pick(live.Keys.OrderBy(t => t.Value, StringComparer.Ordinal).ToArray()) is var victim)
                Decide(new KillTaskCalled(victim.Value));
        });
    }

    public void Crash()
    {
        if (!Up) return;
        loop.Record($"crash {Name}");
        Up = false;
        Incarnation++;
        driver = null;
        attempts.Clear();
        subscribedAttempts.Clear();
        network.Crashed(this);
    }

    public void Restart()
    {
        if (Up) return;
        loop.Record($"restart {Name}");
        Up = true;
        Start();
    }

    /// <summary>One decision of the driver, its effects carried out in order (a callback's own calls are decided and carried out within it).</summary>
    private void Decide(DriverInput input)
    {
        if (driver is not { } core) return;
        foreach (var effect in core.Step(input, loop.Now))
        {
            if (driver != core) return; // crashed from within
            Execute(effect);
        }
    }

    private void Execute(DriverEffect effect)
    {
        switch (effect)
        {
            case OpenSubscription open:
                var connection = network.Connect(this, masters.First(m => m.Name == open.Master));
                attempts[open.Attempt] = connection;
                var info = new FrameworkInfo(Name, "root", ["sim"], ["PARTITION_AWARE"], null, null, null);
                network.Send(connection, this, new SubscribeCall(open.FrameworkId is { } given ? new FrameworkId(given) : null, info, TimeSpan.FromDays(7)));
                break;
            case CloseSubscription close:
                if (attempts.Remove(close.Attempt, out var closed)) network.Close(closed, this);
                subscribedAttempts.Remove(close.Attempt);
                break;
            case SendCall send when attempts.TryGetValue(send.Attempt, out var on) && driver?.FrameworkId is { } framework:
                network.SendLoose(on, this, new FrameworkCall(InputOf(new FrameworkId(framework), send.Call)));
                break;
            case WakeAt wake:
                var generation = ++wakeGeneration;
                var incarnation = Incarnation;
                loop.On(this, Math.Max(0, (long)Math.Ceiling((wake.At - loop.Now).TotalMilliseconds)), () =>
                {
                    if (Up && Incarnation == incarnation && generation == wakeGeneration) Decide(DriverTick.Instance);
                });
                break;
            case NotifyDisconnected { Cause: DisconnectCause.Silent } silent:
                loop.Record($"{Name} master {silent.Master} silent; resubscribing");
                break;
            case NotifyRegistered registered:
                id = new FrameworkId(registered.FrameworkId);
                break;
            case NotifyOffers o:
                Offers(o.Offers);
                break;
            case NotifyUpdate u:
                Update(u.Update);
                break;
            case NotifyInverseOffers i:
                Answer(i.InverseOffers);
                break;
            case NotifyInverseOfferRescinded r:
                rescinded++;
                loop.Record($"{Name} inverse offer {r.InverseOfferId} rescinded");
                break;
            case NotifyError error:
                Aborted = error.Message;
                loop.Record($"{Name} aborted: {error.Message}");
                break;
        }
    }

    public override void Closed(SimConnection c)
    {
        if (AttemptOf(c) is not { } attempt) return;
        Decide(subscribedAttempts.Contains(attempt) ? new StreamClosed(attempt) : new SubscribeFailed(attempt, "connection closed"));
    }

    /// <summary>The transport's side: what arrives on an attempt's connection becomes the driver's input.</summary>
    public override void Receive(SimConnection c, object message)
    {
        if (AttemptOf(c) is not { } attempt) return;
        var subscribed = subscribedAttempts.Contains(attempt);
        switch (message)
        {
            case SubscribedEvent s when !subscribed:
                subscribedAttempts.Add(attempt);
                Decide(new SubscribeAnswered(attempt, s.Id.Value, s.HeartbeatInterval));
                break;
            case NotLeaderAnswer n when !subscribed:
                Decide(new SubscribeRedirected(attempt, n.Leader));
                break;
            case CallRefused refused when !subscribed:
                Decide(new SubscribeRefused(attempt, refused.Message));
                break;
            case ErrorEvent error when !subscribed:
                Decide(new SubscribeRefused(attempt, error.Message));
                break;
            case ErrorEvent error:
                Decide(new EventReceived(attempt, new DriverError(error.Message)));
                break;
            case HeartbeatEvent:
                Decide(new EventReceived(attempt, DriverHeartbeat.Instance));
                break;
            case FrameworkEvent e when subscribed:
                Decide(new EventReceived(attempt, EventOf(e.Effect)));
                break;
        }
    }

    private int? AttemptOf(SimConnection c)
    {
        foreach (var (attempt, connection) in attempts)
            if (connection == c) return attempt;
        return null;
    }

    /// <summary>An event as the HTTP edge would write it and the driver read it back.</summary>
    private static DriverEvent EventOf(Effect effect) => effect switch
    {
        SendOffers o => new OffersEvent([.. o.Offers.Select(x => new Driver.Offer(x.Id.Value, x.Framework.Value, x.Agent.Value, "", x.Resources, x.Role)
        {
            Unavailability = x.Unavailability is { } u ? Unavailable(u) : null,
        })]),
        RescindOffer r => new RescindEvent(r.Offer.Value),
        SendInverseOffers i => new InverseOffersEvent([.. i.InverseOffers.Select(x =>
            new Driver.InverseOffer(x.Id.Value, x.Framework.Value, x.Agent.Value, Unavailable(x.Unavailability)))]),
        RescindInverseOffer r => new RescindInverseOfferEvent(r.InverseOffer.Value),
        ForwardUpdate u => new UpdateEvent(new Driver.TaskUpdate(u.Task.Value, u.State, u.Agent.Value, u.Message, "", "SOURCE_EXECUTOR", u.Uuid.ToString(), 0)),
        SendUpdate u => new UpdateEvent(new Driver.TaskUpdate(u.Task.Value, u.State, null, u.Message, u.Reason, "SOURCE_MASTER", null, 0)),
        AgentLost a => new FailureEvent(a.Agent.Value, null, 0),
        SendFrameworkMessage m => new MessageEvent(m.Executor, m.Agent.Value, m.Data),
        ExecutorLost e => new FailureEvent(e.Agent.Value, e.Executor, e.Status),
        _ => DriverHeartbeat.Instance,
    };

    /// <summary>An unavailability as the v1 JSON carries it (nanoseconds) and the driver reads it.</summary>
    private static Driver.Unavailability Unavailable(Unavailability u) =>
        new(DateTimeOffset.UnixEpoch.AddTicks(u.StartNs / 100), u.DurationNs is { } d ? TimeSpan.FromTicks(d / 100) : null);

    /// <summary>A call as the HTTP edge would parse it into the master core's input.</summary>
    private static FrameworkInput InputOf(FrameworkId framework, DriverCall call) => call switch
    {
        AcceptCall a => new AcceptOffers(framework, [.. a.OfferIds.Select(o => new OfferId(o))],
            [.. a.Tasks.Select(t => new TaskLaunch(new TaskId(t.TaskId), t.Name, t.Resources, t.Command))], a.Filters?.RefuseFor),
        DeclineCall d => new DeclineOffers(framework, [.. d.OfferIds.Select(id => new OfferId(id))], d.Filters?.RefuseFor),
        ReviveCall r => new ReviveOffers(framework, r.Roles ?? []),
        SuppressCall s => new SuppressOffers(framework, s.Roles ?? []),
        KillCall k => new KillTaskCall(framework, new TaskId(k.TaskId), k.AgentId is { } agent ? new AgentId(agent) : null),
        AcknowledgeCall a => new UpdateAcknowledged(framework, new AgentId(a.AgentId), new TaskId(a.TaskId), Guid.Parse(a.Uuid)),
        ReconcileCall r => new ReconcileTasks(framework, [.. r.Tasks.Select(t => (new TaskId(t.TaskId), t.AgentId is { } agent ? new AgentId(agent) : (AgentId?)null))]),
        MessageCall m => new Master.Core.FrameworkMessage(framework, new AgentId(m.AgentId), m.ExecutorId, m.Data),
        TeardownCall => new TeardownFramework(framework),
        AcceptInverseOffersCall a => new InverseOffersAnswered(framework, [.. a.InverseOfferIds.Select(o => new OfferId(o))], Accept: true, a.Filters?.RefuseFor),
        DeclineInverseOffersCall d => new InverseOffersAnswered(framework, [.. d.InverseOfferIds.Select(o => new OfferId(o))], Accept: false, d.Filters?.RefuseFor),
        _ => throw new ArgumentOutOfRangeException(nameof(call), call.GetType().Name),
    };

    private void Offers(IReadOnlyList<Driver.Offer> offered)
    {
        foreach (var offer in offered)
        {
            offers.Received(offer.Id, loop.NowMicros);
            var launches = new List<Driver.TaskInfo>();
            var left = offer.Resources;
            while (Launching && live.Count < concurrency && left.Contains(PerTask) && launches.Count < 3)
            {
                var task = new TaskId($"{Name}-{nextTask++:D5}");
                live[task] = new AgentId(offer.AgentId);
                history.Launched(task.Value);
                launches.Add(new Driver.TaskInfo(task.Value, task.Value, offer.AgentId, PerTask, "sleep 1"));
                left = left.Subtract(PerTask);
            }
            if (launches.Count > 0) Decide(new AcceptOffersCalled([offer.Id], launches, new Driver.Filters(TimeSpan.Zero)));
            else Decide(new DeclineOffersCalled([offer.Id], new Driver.Filters(TimeSpan.FromSeconds(Launching ? 2 : 5))));
        }
    }

    /// <summary>
    /// Each inverse offer accepted or declined (with a refusal of a few seconds, or the default), or let
    /// be: a scheduler may ignore them, and the master must go on regardless.
    /// </summary>
    private void Answer(IReadOnlyList<Driver.InverseOffer> inverseOffers)
    {
        foreach (var inverse in inverseOffers)
        {
            inverseReceived++;
            var filters = loop.Chance(0.5) ? new Driver.Filters(TimeSpan.FromMilliseconds(loop.Between(0, 5000))) : null;
            var answer = loop.Between(0, 9);
            loop.Record($"{Name} inverse offer {inverse.Id} for {inverse.AgentId}: {(answer < 4 ? "accept" : answer < 8 ? "decline" : "ignore")}");
            if (answer < 4)
            {
                accepted++;
                Decide(new AcceptInverseOffersCalled([inverse.Id], filters));
            }
            else if (answer < 8)
            {
                declined++;
                Decide(new DeclineInverseOffersCalled([inverse.Id], filters));
            }
            else ignored++;
        }
    }

    private void Update(Driver.TaskUpdate update)
    {
        var task = new TaskId(update.TaskId);
        history.Update(update.TaskId, update.State.MesosName());
        // Its agent was removed with its machine taken DOWN (the only removal here: these frameworks are partition-aware).
        if (update.State == TaskState.Gone && update.Reason == "REASON_AGENT_REMOVED") history.RemovedWithItsAgent(update.TaskId);
        // TASK_UNKNOWN: no master knows the task (its launch was lost); it is not running, so it is not waited for.
        if (update.State.IsTerminal() || update.State == TaskState.Unknown) live.Remove(task);
        else if (update.AgentId is { } agent) live[task] = new AgentId(agent); // running, even one given up as unknown (a late launch): watched again
    }
}
