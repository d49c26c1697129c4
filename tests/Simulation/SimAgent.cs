using Mesos.HA.Agent.Updates;
using Mesos.HA.Checkers;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Simulation;

/// <summary>
/// An agent as the real one behaves on the wire: it finds the leader (following NotLeader hints),
/// registers or re-registers with the tasks it has not finished reporting, pings the master and
/// reconnects when it falls silent, runs each task once, and sends every task's updates in order
/// through the real <see cref="UpdateStream"/> until acknowledged. What it checkpoints (its id, its
/// runs and their updates) survives its crash; its tasks, like the real agent's processes, run on
/// while it is down and their ends are reported when it comes back.
/// </summary>
public sealed class SimAgent : SimNode
{
    private readonly SimLoop loop;
    private readonly SimNetwork network;
    private readonly IReadOnlyList<SimMaster> masters;
    private readonly TaskHistory history;
    private readonly string resources;
    // Checkpointed: survives a crash.
    private AgentId? id;
    private readonly Dictionary<(FrameworkId, TaskId), Run> runs = [];
    // In memory only.
    private SimConnection? connection;
    private bool registered;
    private long lastHeard;
    private long backoffMs;
    private int nextMaster;

    public SimAgent(string name, SimLoop loop, SimNetwork network, IReadOnlyList<SimMaster> masters, TaskHistory history, string resources) : base(name)
    {
        this.loop = loop;
        this.network = network;
        this.masters = masters;
        this.history = history;
        this.resources = resources;
        nextMaster = loop.Random.Next(masters.Count);
    }

    public static readonly TimeSpan ResendFirst = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan ResendMax = TimeSpan.FromSeconds(10);
    private const long PingIntervalMs = 1000;
    private const int MaxMissedPings = 5;

    public AgentId? Id => id;

    public bool Registered => registered && connection is not null;

    /// <summary>The master this agent's session is with (when registered).</summary>
    public SimNode? Master => Registered ? connection!.Acceptor : null;

    /// <summary>Runs not yet completed (terminal and acknowledged).</summary>
    public int PendingRuns => runs.Values.Count(r => !r.Updates.Completed);

    /// <summary>The runs not yet completed, as "task:state/pending updates" (for reports).</summary>
    public IEnumerable<string> PendingRunNames => runs.Values.Where(r => !r.Updates.Completed)
        .Select(r => $"{r.Task}:{r.State}/{r.Updates.PendingCount}");

    public void Start()
    {
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
        loop.Every(this, 100, DeliverDue);
        // Ends of tasks that came while this agent was down are found on recovery.
        foreach (var run in runs.Values.Where(r => r.EndedWhileDown is not null).ToArray())
        {
            var (state, message) = run.EndedWhileDown!.Value;
            run.EndedWhileDown = null;
            Report(run, state, message);
        }
    }

    public void Crash()
    {
        if (!Up) return;
        loop.Record($"crash {Name}");
        Up = false;
        Incarnation++;
        registered = false;
        connection = null;
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
        registered = false;
        lastHeard = loop.NowMs;
        network.Send(connection, this, RegistrationMessage());
    }

    private AgentMessage RegistrationMessage()
    {
        if (id is null) return new RegisterAgent(Name, resources, new Dictionary<string, string>(), 5051);
        var tasks = runs.Values.Where(r => !r.Updates.Completed)
            .OrderBy(r => r.Framework.Value, StringComparer.Ordinal).ThenBy(r => r.Task.Value, StringComparer.Ordinal)
            .Select(r => new RunningTask(r.Framework, r.Task, r.Role, r.Resources, r.State, r.Updates.Head?.State)).ToArray();
        return new ReregisterAgent(new AgentInfo(id.Value, Name, Name, resources, new Dictionary<string, string>()), tasks);
    }

    /// <summary>Gives up on this connection and tries again after a backoff (50 ms doubling to 2 s, with jitter).</summary>
    private void Drop(SimMaster? next = null)
    {
        if (connection is { } c) network.Close(c, this);
        connection = null;
        registered = false;
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
                if (id is null || id == r.Agent) id = r.Agent;
                registered = true;
                backoffMs = 0;
                foreach (var run in runs.Values) run.Updates.Reconnected(loop.Now);
                DeliverDue();
                break;
            case NotLeader notLeader:
                Drop(masters.FirstOrDefault(m => m.Name == notLeader.LeaderHttp));
                break;
            case ProtocolError:
                Drop();
                break;
            case RunTask run when registered:
                Launch(run);
                break;
            case KillTask kill when registered:
                Kill(kill.Framework, kill.Task);
                break;
            case AcknowledgeUpdate ack when registered:
                if (runs.TryGetValue((ack.Framework, ack.Task), out var acked)) acked.Updates.Acknowledge(ack.Uuid, loop.Now);
                DeliverDue();
                break;
            case Ping ping:
                network.Send(c, this, new Pong(ping.Sequence));
                break;
        }
    }

    private void Launch(RunTask spec)
    {
        if (runs.TryGetValue((spec.Framework, spec.Task), out var existing) && !existing.Updates.Completed) return; // a duplicate launch
        var run = new Run(spec.Framework, spec.Task, spec.Role, spec.Resources, new UpdateStream(ResendFirst, ResendMax));
        runs[(spec.Framework, spec.Task)] = run;
        history.RanOnAgent(spec.Task.Value);
        Report(run, TaskState.Running, "");
        // How the task behaves: most finish or fail after a while; some hang until killed.
        if (loop.Chance(0.1)) return;
        var failed = loop.Chance(0.15);
        loop.After(loop.Between(100, 3000), () => Ended(run, failed ? TaskState.Failed : TaskState.Finished, failed ? "exit 1" : "exit 0"));
    }

    private void Kill(FrameworkId framework, TaskId task)
    {
        if (!runs.TryGetValue((framework, task), out var run) || run.State.IsTerminal() || run.KillRequested) return;
        run.KillRequested = true;
        loop.After(loop.Between(10, 300), () => Ended(run, TaskState.Killed, "killed"));
    }

    /// <summary>The task's process ended (the agent may be down: it then finds out when it recovers).</summary>
    private void Ended(Run run, TaskState state, string message)
    {
        if (run.State.IsTerminal() || run.EndedWhileDown is not null) return;
        if (run.KillRequested) (state, message) = (TaskState.Killed, "killed");
        if (!Up) run.EndedWhileDown = (state, message);
        else Report(run, state, message);
    }

    private void Report(Run run, TaskState state, string message)
    {
        if (run.State.IsTerminal()) return;
        run.State = state;
        run.Updates.Add(new StatusUpdate(run.Framework, run.Task, state, loop.NextGuid(), message, "", loop.Now.ToUnixTimeMilliseconds()));
        if (state.IsTerminal()) history.EndedOnAgent(run.Task.Value, state.MesosName());
        DeliverDue();
    }

    private void DeliverDue()
    {
        if (!Registered) return;
        foreach (var run in runs.Values)
        {
            if (run.Updates.Head is not { } head || run.Updates.DueAt > loop.Now) continue;
            network.Send(connection!, this, head);
            run.Updates.Sent(loop.Now);
        }
    }

    private sealed class Run(FrameworkId framework, TaskId task, string role, string resources, UpdateStream updates)
    {
        public FrameworkId Framework { get; } = framework;
        public TaskId Task { get; } = task;
        public string Role { get; } = role;
        public string Resources { get; } = resources;
        public UpdateStream Updates { get; } = updates;
        public TaskState State { get; set; } = TaskState.Staging;
        public bool KillRequested { get; set; }
        public (TaskState State, string Message)? EndedWhileDown { get; set; }
    }
}
