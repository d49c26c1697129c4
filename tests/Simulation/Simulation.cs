using Mesos.HA.Checkers;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Simulation;

/// <summary>
/// One seeded run of a whole cluster in one process: masters, agents and frameworks on a simulated
/// network and registry. A safety phase injects faults (crashes and restarts, partitions, dropped
/// connections, latency spikes, duplicated and reordered calls, an operator's maintenance calls)
/// while frameworks launch and kill tasks; a healing phase ends every fault, brings every machine UP,
/// and must reach liveness: every agent and framework registered with the leader and every launched
/// task's final state delivered and acknowledged.
/// The chaos suite's checkers then judge the history.
/// </summary>
public sealed class Simulation
{
    private readonly SimulationOptions options;
    private readonly SimLoop loop;
    private readonly SimNetwork network;
    private readonly SimRaft raft;
    private readonly List<SimMaster> masters = [];
    private readonly List<SimAgent> agents = [];
    private readonly List<SimFramework> frameworks = [];
    private readonly TaskHistory tasks = new();
    private readonly OfferHistory offers = new();
    private readonly MaintenanceHistory maintenance = new();
    private readonly HashSet<string> isolatedMasters = new(StringComparer.Ordinal);
    private int faults;
    private int maintenanceChanges;
    private bool healing;
    private bool bringingUp;

    private Simulation(SimulationOptions options)
    {
        if (options.Agents < 2 || options.Frameworks < 2 || options.Masters < 1)
            throw new ArgumentOutOfRangeException(nameof(options), "a simulation needs a master, two agents and two frameworks (one of each joins late)");
        this.options = options;
        loop = new SimLoop(options.Seed, options.KeepTrace);
        network = new SimNetwork(loop) { DuplicateChance = 0.02 };
        raft = new SimRaft(loop, network) { Bugs = options.Bugs, ScheduleCommitted = (machines, term) => maintenance.Committed(Scheduled(machines), term) };
        for (var i = 1; i <= options.Masters; i++)
            masters.Add(new SimMaster($"m{i}", loop, network, raft, new SimMasterOptions { RecordJournals = options.RecordJournals }) { Maintenance = maintenance });
        // Each agent on a host of its own: its name is its hostname, and it has an IP (maintenance names machines by either or both).
        for (var i = 1; i <= options.Agents; i++)
            agents.Add(new SimAgent($"a{i:D2}", $"10.0.{i / 256}.{i % 256}", loop, network, masters, tasks, "cpus:4;mem:4096"));
        for (var i = 1; i <= options.Frameworks; i++)
            frameworks.Add(new SimFramework($"f{i}", loop, network, masters, tasks, offers, options.TasksPerFramework));
        foreach (var node in masters.Cast<SimNode>().Concat(agents).Concat(frameworks)) network.Add(node);
    }

    /// <summary>
    /// Runs one seed on the calling thread. Any synchronization context is set aside meanwhile: with one,
    /// .NET posts the continuations of completed tasks instead of running them inline, and the master's
    /// sender, whose awaits the simulation completes, would then run on other threads.
    /// </summary>
    public static SimulationReport Run(SimulationOptions options)
    {
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            return new Simulation(options).Run();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    private SimulationReport Run()
    {
        loop.Record($"seed {options.Seed}: {options.Masters} masters, {options.Agents} agents, {options.Frameworks} frameworks, bugs {options.Bugs}");
        raft.Start();
        // The last agent and the last framework join late, once healing has begun: a cluster must take
        // newcomers after any history of faults (and their registrations see only the final leader).
        foreach (var agent in agents.SkipLast(1))
        {
            agent.CrashPointChance = CrashPointChance;
            loop.After(loop.Between(0, 500), agent.Start);
        }
        foreach (var framework in frameworks.SkipLast(1)) loop.After(loop.Between(0, 1000), framework.Start);
        NextFault();
        if (options.Maintenance) SuperviseMachines();
        loop.Run(options.FaultMs);
        Heal();
        var healedAt = -1L;
        var healStart = loop.NowMs;
        void WatchLiveness()
        {
            loop.After(500, () =>
            {
                if (Live()) healedAt = loop.NowMs;
                else WatchLiveness();
            });
        }
        WatchLiveness();
        loop.Run(options.FaultMs + options.HealMs, () => healedAt >= 0);
        var checks = Checks(healedAt >= 0);
        foreach (var c in checks) loop.Record(c.ToString());
        return new SimulationReport(options.Seed, loop.Digest(), loop.NowMs, loop.EventsRun, loop.HistoryLines, faults,
            raft.Leaders.Terms, tasks.LaunchCount, offers.Count, healedAt >= 0 ? healedAt - healStart : -1, checks, loop.Trace)
        {
            Journals = [.. masters.SelectMany(m => m.Journals)],
            MaintenanceChanges = maintenance.Schedules,
            InverseOffers = maintenance.InverseOffers,
        };
    }

    private void NextFault()
    {
        var gap = (long)(-Math.Log(1 - loop.Random.NextDouble()) * options.MeanFaultGapMs);
        if (loop.NowMs + gap >= options.FaultMs) return;
        loop.After(gap, () =>
        {
            Inject();
            NextFault();
        });
    }

    /// <summary>One fault, ended again after a while (all of them end when healing starts).</summary>
    private void Inject()
    {
        faults++;
        long Lasting() => loop.Between(200, 4000);
        var agents = this.agents.SkipLast(1).ToArray(); // the late joiners are left alone
        var frameworks = this.frameworks.SkipLast(1).ToArray();
        // With maintenance, one more kind, drawn 3 times in 14: an operator's change of the schedule.
        switch (loop.Between(0, options.Maintenance ? 13 : 10))
        {
            case 11 or 12 or 13:
                Operate(agents);
                break;
            case 10:
                // A stalled process (a long GC pause, a VM freeze): the leader, by preference.
                (raft.HealthyLeader?.Node as SimMaster ?? loop.Pick(masters)).Pause(Lasting());
                break;
            case 0:
            case 1:
                var master = loop.Pick(masters);
                master.Crash();
                loop.After(Lasting(), master.Restart);
                break;
            case 2:
                // The leader, by preference: the fault that costs most.
                var isolated = raft.HealthyLeader?.Node as SimMaster ?? loop.Pick(masters);
                Isolate(isolated);
                loop.After(Lasting(), () => Rejoin(isolated));
                break;
            case 3:
                var (a, b) = (loop.Pick(masters), loop.Pick(masters));
                if (a == b) break;
                network.Partition(a, b);
                loop.After(Lasting(), () => network.Heal(a, b));
                break;
            case 4:
                var agent = loop.Pick(agents);
                agent.Crash(machine: loop.Chance(0.3));
                loop.After(Lasting(), agent.Restart);
                break;
            case 5:
                var cutAgent = loop.Pick(agents);
                var from = loop.Pick(masters);
                network.Partition(cutAgent, from);
                loop.After(Lasting(), () => network.Heal(cutAgent, from));
                break;
            case 6:
                var framework = loop.Pick(frameworks);
                framework.Crash();
                loop.After(Lasting(), framework.Restart);
                break;
            case 7:
                var cutFramework = loop.Pick(frameworks);
                var master2 = loop.Pick(masters);
                network.Partition(cutFramework, master2);
                loop.After(Lasting(), () => network.Heal(cutFramework, master2));
                break;
            case 8:
                network.SpikeChance = 0.2;
                loop.Record("latency spikes on");
                loop.After(Lasting(), () => { network.SpikeChance = 0.01; loop.Record("latency spikes off"); });
                break;
            default:
                var crasher = loop.Pick(agents);
                crasher.Crash();
                var framework2 = loop.Pick(frameworks);
                framework2.Crash();
                loop.After(Lasting(), crasher.Restart);
                loop.After(Lasting(), framework2.Restart);
                break;
        }
    }

    /// <summary>The most machines in the schedule at once (DRAINING or DOWN): the cluster keeps most of its agents.</summary>
    private const int MaxScheduled = 4;

    /// <summary>
    /// An operator's maintenance call, through the leader as the operator API writes it: schedule one or
    /// two UP machines (a new window), take a DRAINING machine DOWN, bring a DOWN one UP, or take a
    /// DRAINING one out of the schedule. Machines are named by hostname, by IP, or by both.
    /// </summary>
    private void Operate(SimAgent[] candidates)
    {
        var scheduled = raft.Committed.ScheduledMachines(); // what GET_MAINTENANCE_SCHEDULE shows
        var draining = scheduled.Where(m => m.Mode == MachineMode.Draining).ToArray();
        var down = scheduled.Where(m => m.Mode == MachineMode.Down).ToArray();
        var up = candidates.Where(a => !scheduled.Any(m => m.Id.Holds(a.Hostname, a.Ip))).ToArray();
        var possible = new List<(int Weight, Func<RegistryCommand> Change)>();
        if (scheduled.Length < MaxScheduled && up.Length > 0) possible.Add((4, () => Schedule(up, scheduled.Length)));
        // A machine goes DOWN only when each of its admitted agents holds a session with the leader (unless the
        // options ask otherwise): the core cannot tell which machine an agent it has not heard from yet runs on.
        var leader = raft.HealthyLeader?.Node as SimMaster;
        HashSet<Protocol.AgentId> inSession = leader is null ? [] : [.. leader.AgentsInSession];
        var downable = options.DownMachinesOfAgentsAwayFromTheLeader ? draining : [.. draining.Where(m => raft.Committed.Agents.Values
            .Where(a => a.Status != AgentStatus.Gone && m.Id.Holds(a.Info)).All(a => inSession.Contains(a.Info.Id)))];
        if (downable.Length > 0) possible.Add((3, () => new StartMaintenance([loop.Pick(downable).Id])));
        if (down.Length > 0) possible.Add((2, () => new StopMaintenance([loop.Pick(down).Id])));
        if (draining.Length > 0)
            possible.Add((1, () =>
            {
                var leaving = loop.Pick(draining).Id;
                return new UpdateMaintenanceSchedule([.. raft.Committed.Schedule()
                    .Select(w => w with { Machines = [.. w.Machines.Where(m => m != leaving)] }).Where(w => w.Machines.Count > 0)]);
            }));
        if (possible.Count == 0) return;
        var choice = loop.Between(0, possible.Sum(p => p.Weight) - 1);
        var (_, make) = possible.First(p => (choice -= p.Weight) < 0);
        ChangeMaintenance(make());
    }

    /// <summary>A new window of one or two UP machines, after the schedule's windows.</summary>
    private UpdateMaintenanceSchedule Schedule(SimAgent[] up, int scheduled)
    {
        var chosen = new List<SimAgent> { loop.Pick(up) };
        if (loop.Chance(0.3) && scheduled + 1 < MaxScheduled && up.Length > 1 && loop.Pick(up) is var second && second != chosen[0]) chosen.Add(second);
        var window = new MaintenanceWindow([.. chosen.Select(a => loop.Between(0, 2) switch
        {
            0 => MachineId.Of(a.Hostname, null),
            1 => MachineId.Of(null, a.Ip),
            _ => MachineId.Of(a.Hostname.ToUpperInvariant(), a.Ip),
        })], new Unavailability((loop.Now.ToUnixTimeMilliseconds() + loop.Between(0, 60_000)) * 1_000_000L,
            loop.Chance(0.3) ? null : loop.Between(10, 3600) * 1_000_000_000L));
        return new UpdateMaintenanceSchedule([.. raft.Committed.Schedule(), window]);
    }

    private static string Describe(RegistryCommand change) => change switch
    {
        UpdateMaintenanceSchedule u => $"UPDATE_MAINTENANCE_SCHEDULE [{string.Join("; ", u.Windows.Select(w =>
            $"{string.Join(",", w.Machines)} from {w.Unavailability.StartNs / 1_000_000}ms for {(w.Unavailability.DurationNs is { } d ? d / 1_000_000 + "ms" : "ever")}"))}]",
        StartMaintenance s => $"START_MAINTENANCE {string.Join(",", s.Machines)}",
        StopMaintenance s => $"STOP_MAINTENANCE {string.Join(",", s.Machines)}",
        _ => change.GetType().Name,
    };

    /// <summary>Written through the leader, if there is one (an operator's call elsewhere gets a redirect or nothing).</summary>
    private void ChangeMaintenance(RegistryCommand change, Action<string?>? done = null)
    {
        maintenanceChanges++;
        var what = Describe(change);
        if (raft.HealthyLeader?.Node is not SimMaster { Core: not null } leader)
        {
            loop.Record($"operator {what}: no leader");
            done?.Invoke("no leader");
            return;
        }
        loop.Record($"operator {what} via {leader.Name}");
        leader.ChangeMaintenance(change, outcome =>
        {
            loop.Record($"operator {what}: {outcome ?? "done"}");
            done?.Invoke(outcome);
        });
    }

    /// <summary>
    /// Every half second: agents stopped because their machine went DOWN stay stopped while it is DOWN,
    /// and are started again once it is UP (by its operator, as a machine back from maintenance is);
    /// while healing, every DOWN machine is brought UP (STOP_MAINTENANCE), retried until the registry shows none.
    /// </summary>
    private void SuperviseMachines()
    {
        loop.After(500, () =>
        {
            var scheduled = raft.Committed.ScheduledMachines();
            var down = scheduled.Where(m => m.Mode == MachineMode.Down).Select(m => m.Id).ToArray();
            foreach (var agent in agents)
                // Shut down by a master (its machine DOWN, or it came back under an id the registry holds as gone):
                // its supervisor starts it again once its machine is not DOWN, and it registers as a new agent.
                if (agent.ShutDownBecause is not null && !down.Any(m => m.Holds(agent.Hostname, agent.Ip)))
                    agent.StartAfterMaintenance(options.AgentsKeepStateAfterMaintenance);
            if (healing && down.Length > 0 && !bringingUp)
            {
                bringingUp = true;
                ChangeMaintenance(new StopMaintenance(down), _ => bringingUp = false);
            }
            SuperviseMachines();
        });
    }

    /// <summary>The registry's schedule as the checker reads it.</summary>
    private static ScheduledMachine[] Scheduled(IReadOnlyList<MachineRecord> machines) =>
        [.. machines.Select(m => new ScheduledMachine(m.Id.Hostname, m.Id.Ip, m.Mode == MachineMode.Down, m.Unavailability.StartNs, m.Unavailability.DurationNs))];

    private void Isolate(SimMaster master)
    {
        if (!isolatedMasters.Add(master.Name)) return;
        foreach (var other in masters.Cast<SimNode>().Concat(agents).Concat(frameworks).Where(n => n != master)) network.Partition(master, other);
    }

    private void Rejoin(SimMaster master)
    {
        if (!isolatedMasters.Remove(master.Name)) return;
        foreach (var other in masters.Cast<SimNode>().Concat(agents).Concat(frameworks).Where(n => n != master)) network.Heal(master, other);
        offers.PartitionHealed(master.Name, loop.NowMicros);
    }

    /// <summary>The chance that an agent's process dies just before one of its writes, in the fault phase (about one such death per run).</summary>
    private const double CrashPointChance = 0.002;

    private void Heal()
    {
        loop.Record("healing: every fault ends, launching stops");
        healing = true; // and every DOWN machine is brought UP (SuperviseMachines)
        foreach (var master in masters.Where(m => isolatedMasters.Contains(m.Name)).ToArray()) Rejoin(master);
        foreach (var master in masters) offers.PartitionHealed(master.Name, loop.NowMicros);
        network.HealAll();
        network.DuplicateChance = 0;
        network.SpikeChance = 0.01;
        foreach (var master in masters) master.Restart(); // a pause (at most 4 s) ends by itself
        foreach (var agent in agents.SkipLast(1))
        {
            agent.CrashPointChance = 0;
            agent.Restart();
        }
        foreach (var framework in frameworks.SkipLast(1))
        {
            framework.Restart();
            framework.Launching = false;
        }
        loop.After(1000, agents[^1].Start);
        frameworks[^1].Launching = false;
        loop.After(1000, frameworks[^1].Start);
        // Hung tasks end only when killed: after a while the frameworks kill whatever still runs.
        loop.After(5000, () => { foreach (var f in frameworks) f.KillingAll = true; });
    }

    /// <summary>Every agent and framework registered with the leader, every launched task's end heard, every update acknowledged.</summary>
    private bool Live() => LivenessProblems(firstOnly: true).Count == 0;

    /// <param name="firstOnly">Stop at the first problem, and name it without details (asked every half second while healing).</param>
    private List<string> LivenessProblems(bool firstOnly = false)
    {
        var problems = new List<string>();
        if (raft.HealthyLeader?.Node is not SimMaster leader || leader.Core is null)
        {
            problems.Add("no leader");
            return problems;
        }
        // Registered means in a session of the leader's term and admitted by its core (the two must agree).
        var view = leader.Core.View();
        var admitted = view.Agents.Select(a => a.Id).ToHashSet();
        var inSession = leader.AgentsInSession.Where(admitted.Contains).ToHashSet();
        var unregistered = agents.Where(a => a.Master != leader || a.Id is null || !inSession.Contains(a.Id.Value)).Select(a => a.Name).ToArray();
        if (unregistered.Length > 0) problems.Add($"agents not registered with the leader {leader.Name} (in a session and admitted by its core): {string.Join(",", unregistered)}");
        var known = view.Frameworks.Select(f => f.Id).ToHashSet();
        var subscribed = leader.FrameworksSubscribed.Where(known.Contains).ToHashSet();
        var unsubscribed = frameworks.Where(f => f.Master != leader || f.Id is null || !subscribed.Contains(f.Id.Value)).Select(f => f.Name).ToArray();
        if (unsubscribed.Length > 0) problems.Add($"frameworks not subscribed with the leader: {string.Join(",", unsubscribed)}");
        if (firstOnly && problems.Count > 0) return problems;
        if (firstOnly)
        {
            if (!tasks.EveryFinalStateHeard()) problems.Add("a launched task's end not heard");
        }
        else if (tasks.EveryFinalStateReachedTheFramework() is { Holds: false } unheard) problems.Add(unheard.Details);
        if (firstOnly && problems.Count > 0) return problems;
        var unacknowledged = agents.Where(a => a.PendingRuns > 0).Select(a => $"{a.Name}[{string.Join(" ", a.PendingRunNames)}]").ToArray();
        if (unacknowledged.Length > 0) problems.Add($"agents with runs not yet acknowledged to the end: {string.Join(",", unacknowledged)}");
        return problems;
    }

    private List<CheckResult> Checks(bool live)
    {
        var history = tasks.Snapshot();
        var checks = new List<CheckResult>
        {
            live
                ? CheckResult.Pass("healing reached liveness", "every agent and framework registered with the leader, every task's end heard and acknowledged")
                : CheckResult.Fail("healing reached liveness", $"not within {options.HealMs} ms: {string.Join("; ", LivenessProblems())}"),
            history.NoTaskLaunchedTwice(),
            history.EveryFinalStateReachedTheFramework(),
            history.FrameworkHeardWhatAgentsRecorded(),
            history.NoStateAfterAFinalOne(),
            raft.Leaders.AtMostOneLeaderPerTerm(),
            offers.NoOfferFromADeposedLeader(raft.Journal),
        };
        checks.AddRange(maintenance.Checks());
        var stillDown = raft.Committed.ScheduledMachines().Where(m => m.Mode == MachineMode.Down).Select(m => m.Id.ToString()).ToArray();
        checks.Add(stillDown.Length == 0
            ? CheckResult.Pass("after healing no machine is DOWN", $"{maintenanceChanges} maintenance calls, {maintenance.Schedules} schedules committed")
            : CheckResult.Fail("after healing no machine is DOWN", string.Join(", ", stillDown)));
        var senderFailures = masters.Where(m => m.CoreFailure is not null).Select(m => m.CoreFailure!).ToArray();
        checks.Add(senderFailures.Length == 0
            ? CheckResult.Pass("no master's sender failed")
            : CheckResult.Fail("no master's sender failed", string.Join("; ", senderFailures)));
        checks.Add(loop.Escaped is null
            ? CheckResult.Pass("every event ran on the simulation's thread")
            : CheckResult.Fail("every event ran on the simulation's thread", loop.Escaped));
        var aborted = frameworks.Where(f => f.Aborted is not null).Select(f => $"{f.Name}: {f.Aborted}").ToArray();
        checks.Add(aborted.Length == 0
            ? CheckResult.Pass("no framework was refused for good")
            : CheckResult.Fail("no framework was refused for good", string.Join("; ", aborted)));
        return checks;
    }
}
