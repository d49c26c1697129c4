using Mesos.HA.Checkers;

namespace Mesos.HA.Simulation;

/// <summary>
/// One seeded run of a whole cluster in one process: masters, agents and frameworks on a simulated
/// network and registry. A safety phase injects faults (crashes and restarts, partitions, dropped
/// connections, latency spikes, duplicated and reordered calls) while frameworks launch and kill
/// tasks; a healing phase ends every fault and must reach liveness: every agent and framework
/// registered with the leader and every launched task's final state delivered and acknowledged.
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
    private readonly HashSet<string> isolatedMasters = new(StringComparer.Ordinal);
    private int faults;

    private Simulation(SimulationOptions options)
    {
        if (options.Agents < 2 || options.Frameworks < 2 || options.Masters < 1)
            throw new ArgumentOutOfRangeException(nameof(options), "a simulation needs a master, two agents and two frameworks (one of each joins late)");
        this.options = options;
        loop = new SimLoop(options.Seed, options.KeepTrace);
        network = new SimNetwork(loop) { DuplicateChance = 0.02 };
        raft = new SimRaft(loop, network) { Bugs = options.Bugs };
        for (var i = 1; i <= options.Masters; i++) masters.Add(new SimMaster($"m{i}", loop, network, raft, new SimMasterOptions { RecordJournals = options.RecordJournals }));
        for (var i = 1; i <= options.Agents; i++) agents.Add(new SimAgent($"a{i:D2}", loop, network, masters, tasks, "cpus:4;mem:4096"));
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
        switch (loop.Between(0, 10))
        {
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
