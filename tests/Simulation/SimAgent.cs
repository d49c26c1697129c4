using Mesos.HA.Agent;
using Mesos.HA.Agent.Core;
using Mesos.HA.Agent.Shell;
using Mesos.HA.Checkers;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Simulation;

/// <summary>
/// An agent: the real <see cref="AgentCore"/> run by the real <see cref="AgentRunner"/>, with a
/// simulated disk (<see cref="SimDisk"/>) and simulated task processes (<see cref="SimTasks"/>) that
/// both outlive its crashes. The link to the leader is the simulator's own, on the real link's
/// protocol: it finds the leader (following NotLeader hints), registers or re-registers with what
/// the core reports, pings the master and reconnects when it falls silent.
/// </summary>
public sealed class SimAgent : SimNode, IAgentEdges
{
    private readonly SimLoop loop;
    private readonly SimNetwork network;
    private readonly IReadOnlyList<SimMaster> masters;
    private readonly AgentOptions options;
    private readonly SimDisk disk;
    private readonly SimTasks tasks;
    // The agent process: gone with a crash, recovered from the disk on restart.
    private AgentRunner? runner;
    private SimConnection? connection;
    private bool registered;
    private bool shutDown;
    private bool linkEnded;
    private long lastHeard;
    private long backoffMs;
    private int nextMaster;

    private readonly TaskHistory history;

    public SimAgent(string name, string ip, SimLoop loop, SimNetwork network, IReadOnlyList<SimMaster> masters, TaskHistory history, string resources)
        : base(name)
    {
        Ip = ip;
        this.history = history;
        this.loop = loop;
        this.network = network;
        this.masters = masters;
        options = new AgentOptions
        {
            Masters = [.. masters.Select(m => m.Name)], WorkDirectory = "/sim/" + name, Resources = ResourceText.Parse(resources),
            Hostname = name, HttpPort = 5051, KillGracePeriod = TimeSpan.FromSeconds(1),
            UpdateResendFirst = TimeSpan.FromSeconds(1), UpdateResendMax = TimeSpan.FromSeconds(10),
        };
        disk = new SimDisk(loop, history);
        tasks = new SimTasks(loop, history, this, disk);
        nextMaster = loop.Random.Next(masters.Count);
    }

    private const long PingIntervalMs = 1000;
    private const int MaxMissedPings = 5;

    public AgentId? Id => runner?.Core.Info?.Id;

    /// <summary>The host's name (the node's), which maintenance names its machine by.</summary>
    public string Hostname => options.Hostname;

    /// <summary>The host's IP, which maintenance may name its machine by too.</summary>
    public string Ip { get; }

    /// <summary>The address a master sees it at (<c>ip:port</c>, as the agent hub makes it).</summary>
    public string Endpoint => $"{Ip}:{options.HttpPort}";

    /// <summary>The process ended as told by a master (it does not restart by itself): why.</summary>
    public string? ShutDownBecause { get; private set; }

    public bool Registered => registered && connection is not null;

    /// <summary>The master this agent's session is with (when registered).</summary>
    public SimNode? Master => Registered ? connection!.Acceptor : null;

    /// <summary>Runs not yet completed (terminal and acknowledged).</summary>
    public int PendingRuns => runner?.Core.Runs().Count ?? 0;

    /// <summary>The runs not yet completed, as "task:state/pending updates" (for reports).</summary>
    public IEnumerable<string> PendingRunNames => runner?.Core.Runs().Select(r => $"{r.Key.Task}:{r.State}/{r.PendingUpdates}") ?? [];

    public void Start()
    {
        linkEnded = false;
        runner = new AgentRunner(new AgentCore(options, loop.NextGuid), disk, tasks, this);
        Feed(disk.Recover());
        if (!Up) return; // died during its recovery
        Connect();
        loop.Every(this, PingIntervalMs, () =>
        {
            if (connection is not { } c) return; // its own view: a close it was not told of goes unnoticed until the silence
            if (registered) network.Send(c, this, new Ping(loop.NowMs));
            if (loop.NowMs - lastHeard > PingIntervalMs * MaxMissedPings + 2000)
            {
                loop.Record($"{Name} master silent; reconnecting");
                Drop();
            }
        });
        loop.Every(this, 100, () => Feed(new UpdatesDue()));
    }

    /// <summary>While faults are on, the chance that the agent's process dies just before one of its writes.</summary>
    public double CrashPointChance
    {
        get => disk.CrashChance;
        set => disk.CrashChance = value;
    }

    /// <summary>One input through the agent's core; its effects are carried out before this returns.</summary>
    public void Feed(AgentInput input)
    {
        loop.OnLoopThread("an agent's decision");
        if (!Up || runner is null) return;
        try
        {
            runner.Handle(input, loop.Now);
        }
        catch (SimulatedCrash)
        {
            // Died between two effects of one decision; it comes back as a supervisor would restart it.
            loop.Record($"{Name} died mid-decision on {input.GetType().Name}");
            Crash(machine: false);
            loop.After(loop.Between(200, 3000), Restart);
        }
    }

    /// <summary>The agent's process dies; with <paramref name="machine"/> its machine goes down too (unflushed writes and task processes lost).</summary>
    public void Crash(bool machine = false)
    {
        if (!Up) return;
        loop.Record(machine ? $"crash {Name} with its machine" : $"crash {Name}");
        Up = false;
        Incarnation++;
        registered = false;
        connection = null;
        runner = null;
        network.Crashed(this);
        if (!machine) return;
        disk.PowerLoss();
        tasks.PowerLoss();
    }

    /// <summary>
    /// Its machine is back UP: the agent stopped for maintenance is started again (its machine's operator
    /// does so) — as a new agent, its state discarded as Mesos' agent does after its master shut it down,
    /// or with <paramref name="keepState"/> from what its disk kept, as this product's agent does (its
    /// old tasks' ends then reach frameworks that heard them GONE: see the skipped MaintenanceBugTests).
    /// </summary>
    public void StartAfterMaintenance(bool keepState)
    {
        if (Up || (!shutDown && ShutDownBecause is null)) return; // still running (shutting down), or never told to stop
        loop.Record($"{Name} started again after maintenance{(keepState ? ", from its checkpoint" : ", as a new agent")}");
        shutDown = false;
        ShutDownBecause = null;
        if (!keepState)
        {
            // Its tasks went with it: a master that still knows them said TASK_GONE, one that does not says TASK_UNKNOWN.
            foreach (var task in disk.Tasks) history.RemovedWithItsAgent(task);
            disk.Forget();
            tasks.PowerLoss();
        }
        Restart();
    }

    public void Restart()
    {
        // Told to shut down (it may have died before it finished): it stays down until its machine is back.
        if (Up || shutDown || ShutDownBecause is not null) return;
        loop.Record($"restart {Name}");
        Up = true;
        backoffMs = 0;
        Start();
    }

    private void Connect(SimMaster? to = null)
    {
        var master = to ?? masters[nextMaster++ % masters.Count];
        connection = network.Connect(this, master);
        registered = false;
        lastHeard = loop.NowMs;
        network.Send(connection, this, runner!.Core.Registration());
    }

    /// <summary>Gives up on this connection and tries again after a backoff (50 ms doubling to 2 s, with jitter).</summary>
    private void Drop(SimMaster? next = null)
    {
        if (connection is { } c) network.Close(c, this);
        connection = null;
        if (registered) Feed(new LinkLost());
        registered = false;
        if (linkEnded) return; // told to shut down: as the real link, it never connects again
        backoffMs = backoffMs == 0 ? 50 : Math.Min(backoffMs * 2, 2000);
        var incarnation = Incarnation;
        loop.On(this, loop.Between((int)(backoffMs / 2), (int)backoffMs), () =>
        {
            if (Up && Incarnation == incarnation && connection is null) Connect(next);
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
            case AgentRegistered r:
                registered = true;
                backoffMs = 0;
                Feed(new LinkRegistered(r.Agent));
                break;
            case NotLeader notLeader:
                Drop(masters.FirstOrDefault(m => m.Name == notLeader.LeaderHttp));
                break;
            case ProtocolError:
                Drop();
                break;
            case Ping ping:
                network.Send(c, this, new Pong(ping.Sequence));
                break;
            case ShutdownAgent shutdown:
                // Also in answer to a registration: the master declared this agent gone, or its machine is DOWN.
                loop.Record($"{Name} told to shut down: {shutdown.Reason}");
                ShutDownBecause ??= shutdown.Reason;
                linkEnded = true;
                Feed(new FromMaster((AgentMessage)message));
                break;
            case RunTask or KillTask or AcknowledgeUpdate when registered:
                Feed(new FromMaster((AgentMessage)message));
                break;
        }
    }

    bool IAgentEdges.Send(AgentMessage message)
    {
        if (!Registered) return false;
        network.Send(connection!, this, message);
        return true;
    }

    void IAgentEdges.Note(Noted note)
    {
        // The history already holds what the agent received; its log lines add nothing to judge.
    }

    void IAgentEdges.ShutdownStarted(TimeSpan deadline)
    {
        var incarnation = Incarnation;
        loop.On(this, (long)deadline.TotalMilliseconds, () =>
        {
            if (Up && Incarnation == incarnation) Feed(new ShutdownDeadlinePassed());
        });
    }

    void IAgentEdges.ShutDown()
    {
        // The agent process ends, as the real one does when its master declared it gone.
        loop.Record($"{Name} shut down");
        shutDown = true;
        loop.On(this, 0, () => Crash()); // after this decision's last effect
    }
}
