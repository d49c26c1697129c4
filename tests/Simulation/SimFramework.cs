using Mesos.HA.Checkers;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Simulation;

/// <summary>
/// A framework on the driver's protocol: subscribes to the masters in turn (following 307s), fails
/// over with its id, watches the heartbeats and resubscribes when the stream falls silent or
/// closes; on every subscription it reconciles the tasks it launched and has not seen end, and asks
/// again with backoff while unanswered; acknowledges every update. Its scheduler keeps a few tasks
/// in flight with fresh ids and now and then kills one. Its id and its launched tasks are kept
/// across its own crash, as a framework that fails over keeps them.
/// </summary>
public sealed class SimFramework : SimNode
{
    private static readonly Resources PerTask = ResourceText.Parse("cpus:0.5;mem:64");
    private readonly SimLoop loop;
    private readonly SimNetwork network;
    private readonly IReadOnlyList<SimMaster> masters;
    private readonly TaskHistory history;
    private readonly OfferHistory offers;
    private readonly int concurrency;
    // Kept across a crash (the framework's own store).
    private FrameworkId? id;
    private readonly Dictionary<TaskId, AgentId> live = [];
    private int nextTask;
    // In memory only.
    private SimConnection? connection;
    private bool subscribed;
    private long lastHeard;
    private long backoffMs;
    private int nextMaster;
    private int subscription;
    private readonly HashSet<TaskId> unanswered = [];

    public SimFramework(string name, SimLoop loop, SimNetwork network, IReadOnlyList<SimMaster> masters, TaskHistory history, OfferHistory offers,
        int concurrency) : base(name)
    {
        this.loop = loop;
        this.network = network;
        this.masters = masters;
        this.history = history;
        this.offers = offers;
        this.concurrency = concurrency;
        nextMaster = loop.Random.Next(masters.Count);
    }

    private const long SilenceMs = 2000 * 3 + 1000;
    private const long SubscribeTimeoutMs = 5000;

    /// <summary>Launch new tasks (the safety phase) or only see the launched ones end (healing).</summary>
    public bool Launching { get; set; } = true;

    /// <summary>Kill every live task now and then (healing: hung tasks must end).</summary>
    public bool KillingAll { get; set; }

    public bool Subscribed => subscribed && connection is not null;

    public SimNode? Master => Subscribed ? connection!.Acceptor : null;

    public FrameworkId? Id => id;

    public int Live => live.Count;

    /// <summary>Set when a master refused this framework for good (its driver would abort).</summary>
    public string? Aborted { get; private set; }

    public void Start()
    {
        Connect();
        loop.Every(this, 1000, () =>
        {
            if (connection is null) return;
            var limit = subscribed ? SilenceMs : SubscribeTimeoutMs;
            if (loop.NowMs - lastHeard > limit)
            {
                loop.Record($"{Name} master silent; resubscribing");
                Drop();
            }
        });
        loop.Every(this, 3000, () =>
        {
            if (!Subscribed || live.Count == 0) return;
            // As the driver does, a KILL names the agent the task was last heard on.
            if (KillingAll) foreach (var task in live.Keys.OrderBy(t => t.Value, StringComparer.Ordinal).ToArray()) Call(new KillTaskCall(id!.Value, task, live[task]));
            else if (loop.Chance(0.3) && loop.Pick(live.Keys.OrderBy(t => t.Value, StringComparer.Ordinal).ToArray()) is var victim)
                Call(new KillTaskCall(id!.Value, victim, live[victim]));
        });
    }

    public void Crash()
    {
        if (!Up) return;
        loop.Record($"crash {Name}");
        Up = false;
        Incarnation++;
        connection = null;
        subscribed = false;
        network.Crashed(this);
    }

    public void Restart()
    {
        if (Up) return;
        loop.Record($"restart {Name}");
        Up = true;
        backoffMs = 0;
        Start();
    }

    private void Connect(SimMaster? to = null)
    {
        var master = to ?? masters[nextMaster++ % masters.Count];
        connection = network.Connect(this, master);
        subscribed = false;
        lastHeard = loop.NowMs;
        var info = new FrameworkInfo(Name, "root", ["sim"], ["PARTITION_AWARE"], null, null, null);
        network.Send(connection, this, new SubscribeCall(id, info, TimeSpan.FromDays(7)));
    }

    private void Drop(SimMaster? next = null)
    {
        if (connection is { } c) network.Close(c, this);
        connection = null;
        subscribed = false;
        subscription++;
        backoffMs = next is not null ? 0 : backoffMs == 0 ? 50 : Math.Min(backoffMs * 2, 2000);
        var incarnation = Incarnation;
        loop.On(this, next is not null ? 1 : loop.Between((int)(backoffMs / 2), (int)backoffMs), () =>
        {
            if (Up && Incarnation == incarnation && connection is null && Aborted is null) Connect(next);
        });
    }

    public override void Closed(SimConnection c)
    {
        if (c == connection) Drop();
    }

    public override void Receive(SimConnection c, object message)
    {
        if (c != connection) return;
        lastHeard = loop.NowMs;
        switch (message)
        {
            case SubscribedEvent s:
                id = s.Id;
                subscribed = true;
                backoffMs = 0;
                subscription++;
                ReconcileLive();
                break;
            case NotLeaderAnswer n:
                Drop(masters.FirstOrDefault(m => m.Name == n.Leader));
                break;
            case CallRefused refused when !subscribed:
                Aborted = refused.Message;
                loop.Record($"{Name} aborted: {refused.Message}");
                Drop();
                break;
            case ErrorEvent error:
                Aborted = error.Message;
                loop.Record($"{Name} aborted: {error.Message}");
                Drop();
                break;
            case FrameworkEvent { Effect: SendOffers o } when subscribed:
                Offers(o.Offers);
                break;
            case FrameworkEvent { Effect: ForwardUpdate u } when subscribed:
                Update(u.Task, u.State, u.Agent);
                Call(new UpdateAcknowledged(id!.Value, u.Agent, u.Task, u.Uuid));
                break;
            case FrameworkEvent { Effect: SendUpdate u } when subscribed:
                Update(u.Task, u.State, null);
                break;
        }
    }

    private void Offers(IReadOnlyList<Offer> offered)
    {
        foreach (var offer in offered)
        {
            offers.Received(offer.Id.Value, loop.NowMicros);
            var launches = new List<TaskLaunch>();
            var left = offer.Resources;
            while (Launching && live.Count < concurrency && left.Contains(PerTask) && launches.Count < 3)
            {
                var task = new TaskId($"{Name}-{nextTask++:D5}");
                live[task] = offer.Agent;
                history.Launched(task.Value);
                launches.Add(new TaskLaunch(task, task.Value, PerTask, "sleep 1"));
                left = left.Subtract(PerTask);
            }
            if (launches.Count > 0) Call(new AcceptOffers(id!.Value, [offer.Id], launches, TimeSpan.Zero));
            else Call(new DeclineOffers(id!.Value, [offer.Id], TimeSpan.FromSeconds(Launching ? 2 : 5)));
        }
    }

    private void Update(TaskId task, TaskState state, AgentId? agent)
    {
        history.Update(task.Value, state.MesosName());
        unanswered.Remove(task);
        // TASK_UNKNOWN: no master knows the task (its launch was lost); it is not running, so it is not waited for.
        if (state.IsTerminal() || state == TaskState.Unknown) live.Remove(task);
        else if (agent is not null) live[task] = agent.Value; // running, even one given up as unknown (a late launch): watched again
    }

    /// <summary>Every task launched and not seen to end, asked about again with backoff (2 s doubling to 30 s) until answered.</summary>
    private void ReconcileLive()
    {
        unanswered.Clear();
        var tasks = live.OrderBy(t => t.Key.Value, StringComparer.Ordinal).Select(t => (t.Key, (AgentId?)t.Value)).ToArray();
        Call(new ReconcileTasks(id!.Value, tasks));
        if (tasks.Length == 0) return;
        foreach (var (task, _) in tasks) unanswered.Add(task);
        var mine = subscription;
        var incarnation = Incarnation;
        void AskAgain(long delayMs)
        {
            loop.On(this, loop.Between((int)(delayMs * 3 / 4), (int)delayMs), () =>
            {
                if (!Up || Incarnation != incarnation || subscription != mine) return;
                var left = tasks.Where(t => unanswered.Contains(t.Key)).ToArray();
                if (left.Length == 0) return;
                Call(new ReconcileTasks(id!.Value, left));
                AskAgain(Math.Min(delayMs * 2, 30_000));
            });
        }
        AskAgain(2000);
    }

    private void Call(FrameworkInput input)
    {
        if (connection is { } c && subscribed) network.SendLoose(c, this, new FrameworkCall(input));
    }
}
