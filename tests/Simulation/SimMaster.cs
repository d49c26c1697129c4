using Mesos.HA.Checkers;
using Mesos.HA.Master;
using Mesos.HA.Master.Agents;
using Mesos.HA.Master.Core;
using Mesos.HA.Master.Scheduler;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.Replication;
using Mesos.HA.Replication.Registry;
using CoreKill = Mesos.HA.Master.Core.KillTask;

namespace Mesos.HA.Simulation;

/// <summary>Settings shared by the simulated masters.</summary>
public sealed record SimMasterOptions
{
    public long AllocationIntervalMs { get; init; } = 1000;

    /// <summary>Journal each leadership's inputs, with a fingerprint of the effects its core gave (for replay).</summary>
    public bool RecordJournals { get; init; }
    public long AllocationBatchDelayMs { get; init; } = 20;
    public long AgentPingIntervalMs { get; init; } = 1000;
    public int MaxAgentPingTimeouts { get; init; } = 5;
    public long FrameworkHeartbeatMs { get; init; } = 2000;
    public TimeSpan AgentReregisterTimeout { get; init; } = TimeSpan.FromSeconds(20);
}

/// <summary>
/// A master: its member of the registry group and, while it leads, the real <see cref="MasterCore"/>
/// fed through the real <see cref="OrderedSender"/>, with the edges of the agent hub and the
/// scheduler endpoint (registration, sessions bound to a term, subscription streams, heartbeats)
/// done on simulated connections. One decision at a time, effects in decision order, exactly as
/// the leader shell guarantees; the sender runs synchronously because every task it awaits is
/// completed by the simulation's own events.
/// </summary>
public sealed class SimMaster : SimNode
{
    private readonly SimLoop loop;
    private readonly SimNetwork network;
    private readonly SimRaft raft;
    private readonly SimMasterOptions options;
    private readonly Dictionary<AgentId, (SimConnection Connection, long Term)> sessions = [];
    private readonly Dictionary<FrameworkId, Stream> streams = [];
    private Leadership? current;
    private readonly Queue<(RegistryCommand Change, Action<string?> Done)> maintenanceWrites = new();
    private bool maintenanceWriting;
    private Action<string?>? maintenanceWriteEnds;

    public SimMaster(string name, SimLoop loop, SimNetwork network, SimRaft raft, SimMasterOptions options) : base(name)
    {
        this.loop = loop;
        this.network = network;
        this.raft = raft;
        this.options = options;
        Member = raft.Add(this);
        Member.BecameLeader += term => StartLeading(term.Term);
        Member.LostLeadership += StopLeading;
    }

    public SimRaftMember Member { get; }

    /// <summary>Each leadership's journal, when <see cref="SimMasterOptions.RecordJournals"/> asks for them.</summary>
    public List<RecordedLeadership> Journals { get; } = [];

    /// <summary>The core of the leadership this master holds now, if any.</summary>
    public MasterCore? Core => current?.Core;

    public long? LeadingTerm => current?.Term;

    /// <summary>Set when the core threw while deciding an operator's change (the run fails with it).</summary>
    public string? CoreFailure { get; private set; }

    /// <summary>Where the run records maintenance as the leaders decided it (offers, inverse offers, launches, agents' machines).</summary>
    public MaintenanceHistory? Maintenance { get; init; }

    /// <summary>Agents holding a session with this master in its current term.</summary>
    public IEnumerable<AgentId> AgentsInSession => sessions.Where(s => s.Value.Term == current?.Term).Select(s => s.Key);

    /// <summary>Frameworks whose stream of the current term has started.</summary>
    public IEnumerable<FrameworkId> FrameworksSubscribed => streams.Where(s => s.Value.Term == current?.Term && s.Value.Started).Select(s => s.Key);

    public void Crash()
    {
        if (!Up) return;
        loop.Record($"crash {Name}");
        Up = false;
        PausedUntil = 0;
        Incarnation++;
        current?.Stop();
        current = null;
        sessions.Clear();
        streams.Clear();
        // The operator's calls in flight get no answer (their connections died with the process).
        var pending = maintenanceWrites.ToArray();
        maintenanceWrites.Clear();
        maintenanceWriting = false;
        maintenanceWriteEnds?.Invoke("the master died");
        foreach (var (_, done) in pending) done("the master died");
        network.Crashed(this);
        raft.Crashed(Member);
    }

    /// <summary>The process stops (SIGSTOP) for <paramref name="ms"/>: nothing it does or receives happens until then.</summary>
    public void Pause(long ms)
    {
        if (!Up) return;
        loop.Record($"pause {Name} for {ms} ms");
        // A pause while paused extends it, never shortens it: work deferred to the first end must not
        // run after work that arrived later (a shorter second pause once reordered a master's inbox).
        PausedUntil = Math.Max(PausedUntil, loop.NowMs + ms);
    }

    public void Restart()
    {
        if (Up) return;
        loop.Record($"restart {Name}");
        Up = true;
    }

    private void StartLeading(long term)
    {
        var coreOptions = new MasterCoreOptions
        {
            OfferIdPrefix = $"t{term}-{loop.NextHex()}",
            AgentPingTimeout = TimeSpan.FromMilliseconds(options.AgentPingIntervalMs),
            MaxAgentPingTimeouts = options.MaxAgentPingTimeouts,
            DropTerminalUpdates = raft.Bugs.HasFlag(InjectedBugs.DropTerminalUpdates),
        };
        current?.Stop();
        var leadership = new Leadership(term, new MasterCore(coreOptions));
        if (options.RecordJournals)
        {
            leadership.Journal = new RecordedLeadership(Name, term, coreOptions);
            Journals.Add(leadership.Journal);
        }
        leadership.Sender = new OrderedSender(
            command => Write(leadership, command),
            outcome => Task.FromResult<IReadOnlyList<Effect>?>(leadership.Stopped ? null : Handle(leadership, outcome)),
            effect => CarryOut(leadership, effect),
            effect => Publish(leadership, effect),
            () => leadership.Stopped,
            () => LeaseHeld(leadership),
            raft.Bugs.HasFlag(InjectedBugs.DropRegistryCommits));
        current = leadership;
        var snapshot = Member.LocalRegistry;
        var active = snapshot.Agents.Values.Where(a => a.Status == AgentStatus.Active).Select(a => a.Info.Id)
            .OrderBy(a => a.Value, StringComparer.Ordinal).ToArray();
        Decide(leadership, new LeadershipStarted(active, options.AgentReregisterTimeout,
        [
            .. snapshot.Frameworks.Values.OrderBy(f => f.Id.Value, StringComparer.Ordinal).Select(f => new RecoveredFramework(f.Id, f.Info.Roles,
                f.Info.Capabilities.Contains("PARTITION_AWARE"), TimeSpan.FromMilliseconds(f.FailoverTimeoutMs),
                f.DisconnectedAtMs is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null)),
        ])
        {
            UnreachableAgents = [.. snapshot.Agents.Values.Where(a => a.Status == AgentStatus.Unreachable).Select(a => a.Info.Id)
                .OrderBy(a => a.Value, StringComparer.Ordinal)],
            Machines = snapshot.ScheduledMachines(),
        }, null);
        var incarnation = Incarnation;
        void Periodic(long everyMs, Action<Leadership> work)
        {
            loop.On(this, everyMs, () =>
            {
                if (current != leadership || Incarnation != incarnation) return;
                work(leadership);
                Periodic(everyMs, work);
            });
        }
        Periodic(options.AllocationIntervalMs, l => Decide(l, TickInput(), null));
        Periodic(options.AgentPingIntervalMs, PingAgents);
        Periodic(options.FrameworkHeartbeatMs, HeartbeatFrameworks);
    }

    private void StopLeading(long term)
    {
        if (current is not { } leadership || leadership.Term > term) return; // as the leader shell: no term up to T is led any more
        current = null;
        leadership.Stop();
        maintenanceWriteEnds?.Invoke("the leadership ended");
        foreach (var (agent, session) in sessions.Where(s => s.Value.Term <= term).ToArray())
        {
            network.Send(session.Connection, this, new NotLeader(null));
            network.Close(session.Connection, this);
            sessions.Remove(agent);
        }
        foreach (var (framework, stream) in streams.Where(s => s.Value.Term <= term).ToArray())
        {
            network.Close(stream.Connection, this);
            streams.Remove(framework);
        }
    }

    private Tick TickInput() => new(Member.LocalRegistry.Weights, new Dictionary<string, Master.Allocation.RoleQuota>());

    private IReadOnlyList<Effect> Handle(Leadership leadership, MasterInput input)
    {
        loop.OnLoopThread("a decision of the master's core");
        loop.RecordInput(this, leadership.Term, input);
        var effects = leadership.Core.Handle(input, loop.Now);
        leadership.Journal?.Decided(loop.Now, input, effects);
        if (Maintenance is { } history)
        {
            // Judged when decided (against the schedule committed by then), recorded only once sent: a
            // decision whose effects never left (its leadership ended first) offered nothing.
            var at = history.Now();
            foreach (var effect in effects)
                if (effect is SendOffers or SendInverseOffers or LaunchTask) leadership.DecidedAt[effect] = at;
        }
        return effects;
    }

    private void Sent(Leadership leadership, Effect effect)
    {
        if (Maintenance is not { } history || !leadership.DecidedAt.Remove(effect, out var at)) return;
        switch (effect)
        {
            case SendOffers o:
                foreach (var offer in o.Offers)
                    history.Offered(at, offer.Id.Value, offer.Agent.Value, offer.Unavailability?.StartNs, offer.Unavailability?.DurationNs, leadership.Term);
                break;
            case SendInverseOffers i:
                foreach (var inverse in i.InverseOffers)
                    history.InverseOffered(at, inverse.Framework.Value, inverse.Agent.Value, inverse.Unavailability.StartNs, inverse.Unavailability.DurationNs,
                        leadership.Term);
                break;
            case LaunchTask l:
                history.Launched(at, l.Task.Id.Value, l.Agent.Value, leadership.Term);
                break;
        }
    }

    /// <summary>
    /// An operator's change of the maintenance schedule, as the operator API does it: written to the
    /// registry by this master while it leads, then its core is told the schedule the registry holds
    /// now; one change at a time. <paramref name="done"/> hears null once the core was told, or why not.
    /// </summary>
    public void ChangeMaintenance(RegistryCommand change, Action<string?> done)
    {
        maintenanceWrites.Enqueue((change, done));
        if (!maintenanceWriting) NextMaintenanceWrite();
    }

    private void NextMaintenanceWrite()
    {
        if (!maintenanceWrites.TryDequeue(out var write))
        {
            maintenanceWriting = false;
            return;
        }
        maintenanceWriting = true;
        var incarnation = Incarnation;
        var finished = false;
        void Finish(string? outcome)
        {
            if (finished) return;
            finished = true;
            maintenanceWriteEnds = null;
            write.Done(outcome);
            if (Incarnation == incarnation) NextMaintenanceWrite();
        }
        // A proposal its leader lost in an election is never answered (as Raft's): the leadership's end answers it.
        maintenanceWriteEnds = Finish;
        if (!Up || current is not { } leadership || !Member.IsLeader)
        {
            Finish("not the leader");
            return;
        }
        var before = Member.LocalRegistry;
        Member.ProposeAsync(write.Change).ContinueWith(t =>
        {
            if (Incarnation != incarnation || !Up) Finish("the master died");
            else if (!t.IsCompletedSuccessfully) Finish("the write's outcome is unknown");
            else if (!t.Result.Succeeded) Finish($"refused: {t.Result.Message}");
            else if (current != leadership) Finish("the leadership ended");
            else
            {
                try
                {
                    Decide(leadership, Mesos.HA.Master.Operator.V1.OperatorApi.MaintenanceChange(before, Member.LocalRegistry), effects =>
                    {
                        if (effects is not null) loop.Record($"{Name} maintenance effects: {string.Join(", ", effects.Select(e => e.GetType().Name))}");
                        Finish(effects is null ? "the leadership ended" : null);
                    });
                }
                catch (Exception e)
                {
                    // Thrown here it would vanish into the continuation's task: the run reports it instead.
                    loop.Record($"{Name} core threw on MaintenanceUpdated: {e}");
                    CoreFailure ??= $"{Name} term {leadership.Term}: MaintenanceUpdated threw {e.GetType().Name}: {e.Message}";
                    Finish($"the core threw {e.GetType().Name}");
                }
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Feeds one input to the core and queues its effects behind earlier decisions'; <paramref name="done"/> hears the effects once they left (null: the leadership ended).</summary>
    private void Decide(Leadership leadership, MasterInput input, Action<IReadOnlyList<Effect>?>? done)
    {
        if (leadership.Stopped || current != leadership)
        {
            done?.Invoke(null);
            return;
        }
        var sent = new TaskCompletionSource<IReadOnlyList<Effect>?>();
        if (done is not null)
            sent.Task.ContinueWith(t => done(t.Result), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        leadership.Queue.Enqueue(new DecisionInFlight(Handle(leadership, input), sent));
        Pump(leadership);
    }

    /// <summary>The leadership's send loop: one decision at a time, then the writes still in flight settle.</summary>
    private void Pump(Leadership leadership)
    {
        if (leadership.Sending) return;
        while (!leadership.Stopped)
        {
            Task step;
            if (leadership.Queue.TryDequeue(out var decision)) step = leadership.Sender!.SendAsync(decision);
            else if (leadership.Settled) return;
            else step = Settle(leadership);
            if (step.IsFaulted) Faulted(leadership, step);
            if (!step.IsCompleted)
            {
                leadership.Sending = true;
                step.ContinueWith(t => { if (t.IsFaulted) Faulted(leadership, t); leadership.Sending = false; Pump(leadership); },
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return;
            }
        }
        leadership.Sender!.AbandonAll();
        while (leadership.Queue.TryDequeue(out var abandoned)) abandoned.Abandon();
    }

    /// <summary>A step of the sender threw (the core, or carrying out an effect): the run reports it, as the leader shell would crash.</summary>
    private void Faulted(Leadership leadership, Task step)
    {
        loop.Record($"{Name} term {leadership.Term}: the sender failed: {step.Exception?.GetBaseException()}");
        CoreFailure ??= $"{Name} term {leadership.Term}: the sender failed: {step.Exception?.GetBaseException().Message}";
    }

    private async Task Settle(Leadership leadership)
    {
        leadership.Settled = true;
        if (!await leadership.Sender!.SettleAsync().ConfigureAwait(false)) leadership.Stop();
    }

    private Task<MasterInput?> Write(Leadership leadership, RegistryCommand command)
    {
        leadership.Settled = false;
        var outcome = new TaskCompletionSource<MasterInput?>();
        Member.ProposeAsync(command).ContinueWith(t =>
        {
            if (leadership.Stopped) outcome.TrySetResult(null);
            else if (t.IsCompletedSuccessfully)
                outcome.TrySetResult(t.Result.Succeeded ? new RegistryWriteCommitted(command) : new RegistryWriteRefused(command, t.Result.Message));
            else outcome.TrySetResult(new RegistryWriteRefused(command, "the write's outcome is unknown"));
            if (!leadership.Sending) Pump(leadership);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return outcome.Task;
    }

    private static readonly Task<bool> Held = Task.FromResult(true);

    /// <summary>As the leader shell: at once when the lease holds; else rechecked every 10 ms until it holds (true) or the leadership ends (false).</summary>
    private Task<bool> LeaseHeld(Leadership leadership)
    {
        if (Member.IsLeader) return Held;
        var held = new TaskCompletionSource<bool>();
        void Recheck()
        {
            if (leadership.Stopped || current != leadership) held.TrySetResult(false);
            else if (Member.IsLeader) held.TrySetResult(true);
            else loop.On(this, 10, Recheck);
        }
        loop.On(this, 10, Recheck);
        return held.Task;
    }

    private void CarryOut(Leadership leadership, Effect effect)
    {
        if (effect is not AllocationWanted || leadership.AllocationSoon) return;
        leadership.AllocationSoon = true;
        loop.On(this, options.AllocationBatchDelayMs, () =>
        {
            leadership.AllocationSoon = false;
            if (current == leadership) Decide(leadership, TickInput(), null);
        });
    }

    private void Publish(Leadership leadership, Effect effect)
    {
        loop.OnLoopThread("the master's sender");
        Sent(leadership, effect);
        switch (effect)
        {
            case LaunchTask or CoreKill or ForwardAcknowledgement or SendExecutorMessage or StopExecutor or StopAgent:
                var (agent, message) = AgentWire.MessageOf(effect)!.Value;
                ToAgent(leadership, agent, message);
                break;
            case var _ when FrameworkHub.FrameworkOf(effect) is { } framework:
                ToFramework(leadership, framework, effect);
                break;
            case AgentLost lost:
                foreach (var framework in streams.Keys.OrderBy(f => f.Value, StringComparer.Ordinal).ToArray()) ToFramework(leadership, framework, lost);
                if (sessions.TryGetValue(lost.Agent, out var session) && session.Term == leadership.Term)
                {
                    sessions.Remove(lost.Agent);
                    network.Close(session.Connection, this);
                }
                break;
        }
    }

    private void ToAgent(Leadership leadership, AgentId agent, AgentMessage message)
    {
        if (sessions.TryGetValue(agent, out var session) && session.Term == leadership.Term) network.Send(session.Connection, this, message);
    }

    private void ToFramework(Leadership leadership, FrameworkId framework, Effect effect)
    {
        if (!streams.TryGetValue(framework, out var stream) || stream.Term != leadership.Term) return;
        if (stream.Started) network.Send(stream.Connection, this, new FrameworkEvent(effect));
        else stream.Waiting.Add(effect);
    }

    /// <summary>As the agent hub: the agents heard from since the last round go to the core in one input; the silent ones are pinged.</summary>
    private void PingAgents(Leadership leadership)
    {
        List<AgentId>? heard = null;
        foreach (var (agent, session) in sessions.Where(s => s.Value.Term == leadership.Term).OrderBy(s => s.Key.Value, StringComparer.Ordinal))
        {
            if (seen.Contains(agent)) (heard ??= []).Add(agent);
            else network.Send(session.Connection, this, new Ping(loop.NowMs));
        }
        seen.Clear();
        Decide(leadership, new AgentsSeen(heard ?? []), null); // nobody heard is a report too: every agent missed a ping
    }

    // Agents that sent anything since the last ping round.
    private readonly HashSet<AgentId> seen = [];

    private void HeartbeatFrameworks(Leadership leadership)
    {
        foreach (var (_, stream) in streams.Where(s => s.Value.Term == leadership.Term && s.Value.Started).OrderBy(s => s.Key.Value, StringComparer.Ordinal))
            network.Send(stream.Connection, this, HeartbeatEvent.Instance);
    }

    public override void Receive(SimConnection connection, object message)
    {
        switch (message)
        {
            case RegisterAgent or ReregisterAgent:
                Register(connection, (AgentMessage)message);
                break;
            case StatusUpdate or Pong or Ping:
                FromAgent(connection, (AgentMessage)message);
                break;
            case SubscribeCall subscribe:
                Subscribe(connection, subscribe);
                break;
            case FrameworkCall call:
                Call(connection, call.Input);
                break;
        }
    }

    private bool Leading(SimConnection connection, object notLeader)
    {
        if (current is not null && Member.IsLeader) return true;
        network.Send(connection, this, notLeader);
        network.Close(connection, this);
        return false;
    }

    private void Register(SimConnection connection, AgentMessage registration)
    {
        if (!Leading(connection, new NotLeader(Member.Leader?.HttpAddress))) return;
        var leadership = current!;
        var plan = RegistrationPlan.Of(registration, _ => EndpointOf(connection), Member.LocalRegistry, () => new AgentId($"{loop.NextHex(16)}-S0"));
        switch (plan)
        {
            case RegistrationPlan.Refuse refusal:
                network.Send(connection, this, new ProtocolError(refusal.Reason));
                network.Close(connection, this);
                return;
            case RegistrationPlan.ShutDown shutDown:
                // As the agent hub: declared gone, or on a machine that is DOWN for maintenance (it may come back once UP).
                network.Send(connection, this, new ShutdownAgent(shutDown.Reason));
                network.Close(connection, this);
                return;
        }
        var (info, input, _) = (RegistrationPlan.Proceed)plan;
        Maintenance?.Agent(info.Id.Value, info.Hostname, MachineId.IpOf(info.Endpoint));
        Decide(leadership, input, effects =>
        {
            if (!connection.Open) return;
            if (effects is null || current != leadership)
            {
                network.Send(connection, this, new NotLeader(null));
                network.Close(connection, this);
                return;
            }
            if (effects.OfType<AgentRegistrationRefused>().FirstOrDefault() is { } refused)
            {
                network.Send(connection, this, new ProtocolError(refused.Reason));
                network.Close(connection, this);
                return;
            }
            if (sessions.TryGetValue(info.Id, out var old) && old.Connection != connection) network.Close(old.Connection, this);
            sessions[info.Id] = (connection, leadership.Term);
            network.Send(connection, this, new AgentRegistered(info.Id));
        });
    }

    private void FromAgent(SimConnection connection, AgentMessage message)
    {
        if (current is not { } leadership) return;
        var found = sessions.Where(s => s.Value.Connection == connection && s.Value.Term == leadership.Term).Select(s => (AgentId?)s.Key).FirstOrDefault();
        if (found is not { } agent) return;
        seen.Add(agent);
        switch (message)
        {
            case Ping ping:
                network.Send(connection, this, new Pong(ping.Sequence));
                break;
            case Pong:
                break;
            case StatusUpdate or ExecutorToFramework or ExecutorExited:
                Decide(leadership, AgentWire.InputOf(agent, message)!, null);
                break;
        }
    }

    private void Subscribe(SimConnection connection, SubscribeCall call)
    {
        if (!Leading(connection, new NotLeaderAnswer(Member.Leader?.HttpAddress))) return;
        var leadership = current!;
        var known = call.Id is { } given && Member.LocalRegistry.Frameworks.ContainsKey(given);
        if (call.Id is { } unknown && !known)
        {
            network.Send(connection, this, new CallRefused($"framework {unknown} is not registered"));
            network.Close(connection, this);
            return;
        }
        var id = call.Id ?? new FrameworkId($"{loop.NextHex(16)}-0000");
        if (streams.TryGetValue(id, out var replaced)) network.Close(replaced.Connection, this);
        var stream = new Stream(connection, leadership.Term);
        streams[id] = stream;
        Decide(leadership, new SubscribeFramework(id, call.Info, call.FailoverTimeout, known), effects =>
        {
            if (streams.GetValueOrDefault(id) != stream) return;
            if (effects is null || current != leadership || effects.OfType<CallRejected>().FirstOrDefault() is { } _)
            {
                var rejected = effects?.OfType<CallRejected>().FirstOrDefault();
                streams.Remove(id);
                network.Send(connection, this, rejected is null ? new NotLeaderAnswer(null) : new ErrorEvent(rejected.Message));
                network.Close(connection, this);
                return;
            }
            stream.Started = true;
            network.Send(connection, this, new SubscribedEvent(id, TimeSpan.FromMilliseconds(options.FrameworkHeartbeatMs)));
            foreach (var waiting in stream.Waiting) network.Send(connection, this, new FrameworkEvent(waiting));
            stream.Waiting.Clear();
        });
    }

    private void Call(SimConnection connection, FrameworkInput input)
    {
        if (current is not { } leadership || !Member.IsLeader)
        {
            network.SendLoose(connection, this, new CallRefused("not the leader"));
            return;
        }
        if (!streams.TryGetValue(input.Framework, out var stream) || stream.Term != leadership.Term || !stream.Started)
        {
            network.SendLoose(connection, this, new CallRefused($"framework {input.Framework} is not subscribed"));
            return;
        }
        input = input switch
        {
            ReviveOffers { Roles.Count: 0 } r => r with { Roles = RolesOf(r.Framework) },
            SuppressOffers { Roles.Count: 0 } s => s with { Roles = RolesOf(s.Framework) },
            _ => input,
        };
        Decide(leadership, input, effects =>
        {
            if (effects?.OfType<CallRejected>().FirstOrDefault() is { } rejected) network.SendLoose(connection, this, new CallRefused(rejected.Message));
            else if (effects is not null && input is TeardownFramework && streams.GetValueOrDefault(input.Framework) == stream)
            {
                streams.Remove(input.Framework);
                network.Send(stream.Connection, this, new ErrorEvent("Framework was torn down"));
                network.Close(stream.Connection, this);
            }
        });
    }

    /// <summary>The agent's address as the agent hub makes it: the IP it connects from, the port it advertises.</summary>
    private static string EndpointOf(SimConnection connection) => connection.Opener is SimAgent agent ? agent.Endpoint : connection.Opener.Name;

    private IReadOnlyList<string> RolesOf(FrameworkId framework) =>
        Member.LocalRegistry.Frameworks.TryGetValue(framework, out var record) ? record.Info.Roles : [];

    public override void Closed(SimConnection connection)
    {
        foreach (var (agent, session) in sessions.Where(s => s.Value.Connection == connection).ToArray()) sessions.Remove(agent);
        foreach (var (framework, stream) in streams.Where(s => s.Value.Connection == connection).ToArray())
        {
            streams.Remove(framework);
            if (current is { } leadership && stream.Term == leadership.Term) Decide(leadership, new FrameworkDisconnected(framework), null);
        }
    }

    /// <summary>One term of leadership: its core, its decisions waiting to be sent, its sender.</summary>
    private sealed class Leadership(long term, MasterCore core)
    {
        public long Term { get; } = term;
        public MasterCore Core { get; } = core;
        public OrderedSender? Sender { get; set; }
        public Queue<DecisionInFlight> Queue { get; } = new();
        public bool Stopped { get; private set; }
        public bool Sending { get; set; }
        public bool Settled { get; set; } = true;
        public bool AllocationSoon { get; set; }
        public RecordedLeadership? Journal { get; set; }

        /// <summary>Offers, inverse offers and launches decided and not yet sent, with their place in the maintenance history.</summary>
        public Dictionary<Effect, long> DecidedAt { get; } = new(ReferenceEqualityComparer.Instance);

        public void Stop() => Stopped = true;
    }

    private sealed class Stream(SimConnection connection, long term)
    {
        public SimConnection Connection { get; } = connection;
        public long Term { get; } = term;
        public bool Started { get; set; }
        public List<Effect> Waiting { get; } = [];
    }
}
