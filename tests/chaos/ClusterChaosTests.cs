using System.Diagnostics;
using Mesos.HA.Chaos.Tests.Checkers;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;
using Mesos.HA.Replication;
using Mesos.HA.SchedulerDriver;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Chaos.Tests;

/// <summary>
/// Seeded chaos against a whole cluster: 3 masters, 2 agents and a framework on the C# driver that
/// keeps short tasks running, plus registry clients that write and read. The nemesis kills or pauses
/// the leader, kills a follower, kills the leader and then a survivor during the election, pauses the
/// leader while a restarted follower catches up, kills every master at once, kills and restarts an
/// agent, kills the framework and brings it back within its failover timeout; with network
/// namespaces it also partitions the leader from everyone, the leader from the other masters only
/// (clients and agents still reach it) and a follower. Each run injects each fault type it names at
/// least once. Every operation is recorded; at the end the checkers judge the histories and a report
/// says what was injected and what held. CHAOS_ROUNDS / CHAOS_SEED.
/// </summary>
public sealed class ClusterChaosTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Heal = TimeSpan.FromSeconds(60);
    private const int MinRegistryOperationsPerRound = 20;
    private static readonly string[] Faults = [.. MasterFaults.Local, "kill-agent", "kill-framework"];

    [Fact]
    public async Task MastersAgentsAndTheFramework_UnderFaults_KeepEveryInvariant()
    {
        var root = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "chaos-" + Guid.NewGuid().ToString("N")[..12]);
        await using var cluster = new ClusterHarness(new MasterGroup(3, root, ["--log-level", "Warning"]), output);
        await RunAsync(cluster, Faults, lab: null, defaultRounds: Faults.Length);
    }

    /// <summary>
    /// The same run with each master in its own network namespace, and the leader partitioned away
    /// among the faults (skipped, saying why, where namespaces cannot be made).
    /// </summary>
    [NetworkLabFact]
    public async Task WithLeaderPartitions_KeepEveryInvariant()
    {
        using var lab = NetworkLab.TryCreate(3, out var reason) ?? throw new InvalidOperationException("network namespaces: " + reason);
        var root = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "partition-" + Guid.NewGuid().ToString("N")[..12]);
        var masters = Enumerable.Range(1, 3).Select(i => new MasterProcess(i, 7001, 5050, Path.Combine(root, $"master-{i}"),
            Path.Combine(root, $"master-{i}.log"), lab.AddressOf(i), lab.Launcher(i))).ToArray();
        // A partitioned leader's FIN never reaches the framework: the driver notices only by missed
        // heartbeats (two periods), so they come every 2 s here instead of 15 s.
        await using var cluster = new ClusterHarness(new MasterGroup(root, masters, ["--log-level", "Warning", "--framework-heartbeat-ms", "2000"]), output);
        string[] faults = [.. MasterFaults.Partitions, "pause-leader", "kill-all", "kill-framework"];
        await RunAsync(cluster, faults, lab, defaultRounds: faults.Length);
    }

    private async Task RunAsync(ClusterHarness cluster, string[] faults, NetworkLab? lab, int defaultRounds)
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("CHAOS_ROUNDS"), out var r) ? r : defaultRounds;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CHAOS_SEED"), out var s) ? s : Environment.TickCount;
        output.WriteLine($"seed {seed}, rounds {rounds} (replay: CHAOS_SEED={seed} CHAOS_ROUNDS={rounds})");
        var random = new Random(seed);
        var leaders = new LeaderHistory();
        var registerOps = new RegisterHistory();
        var tasks = new TaskHistory();
        var report = new List<string>();
        var failovers = new List<double>();
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var scheduler = new ChaosScheduler(tasks, concurrency: 8);
        MesosSchedulerDriver? driver = null;
        try
        {
            await cluster.LeaderAsync();
            var agents = new[] { await cluster.StartAgentAsync(), await cluster.StartAgentAsync() };
            var frameworkInfo = new FrameworkInfo { Name = "chaos", FailoverTimeout = TimeSpan.FromMinutes(10) };
            driver = new MesosSchedulerDriver(scheduler, frameworkInfo, cluster.MasterAddresses);
            driver.Start();
            var registryClients = new RegistryWorkload(cluster.Group, registerOps, clock, seed);
            var workload = registryClients.RunAsync(stop.Token);
            var observer = Task.Run(() => ObserveAsync(cluster.Group, leaders, stop.Token));

            var schedule = FaultSchedule(faults, rounds, random);
            output.WriteLine("fault schedule: " + string.Join(", ", schedule));
            for (var round = 1; round <= rounds; round++)
            {
                await HealAsync(cluster, agents, driver, $"before round {round}", registryClients);
                var finishedBefore = Volatile.Read(ref scheduler.Finished);
                var fault = schedule[round - 1];
                var leader = await cluster.LeaderAsync();
                switch (fault)
                {
                    case var master when MasterFaults.Handles(master):
                        var injected = await MasterFaults.InjectAsync(master, cluster.Group, leader, lab, random, Heal);
                        if (injected.FailoverMs is { } ms) failovers.Add(ms);
                        report.Add($"round {round}: {injected.Report}");
                        break;
                    case "kill-agent":
                        var agent = agents[random.Next(agents.Length)];
                        agent.Kill();
                        report.Add($"round {round}: SIGKILL {agent.Name} (its tasks keep running); restarted");
                        await Task.Delay(random.Next(200, 1500));
                        agent.Start();
                        break;
                    case "kill-framework":
                        var id = driver.FrameworkId;
                        await driver.DisposeAsync(); // gone without a teardown, as a crash
                        report.Add($"round {round}: framework {id} killed; back with the same id");
                        await Task.Delay(random.Next(200, 1500));
                        driver = new MesosSchedulerDriver(scheduler, frameworkInfo with { Id = id }, cluster.MasterAddresses);
                        driver.Start();
                        break;
                }
                await HealAsync(cluster, agents, driver, $"after round {round} ({fault})", registryClients);
                await PollAsync($"round {round}: tasks progress after {fault}", () => Volatile.Read(ref scheduler.Finished) > finishedBefore + 3, Heal,
                    () => $"finished {scheduler.Finished} (before {finishedBefore}), subscriptions {scheduler.Subscriptions}, framework on {driver.Master ?? "none"}, live: " +
                        string.Join(", ", scheduler.LiveTasks().Select(t => $"{t.Task} on {t.Agent} [{tasks.UpdatesOf(t.Task)}]")));
                // The registry must keep serving too: a round in which no operation completes proves nothing about it.
                var completedBefore = registryClients.CompletedOperations;
                await PollAsync($"round {round}: registry operations complete after {fault}",
                    () => registryClients.CompletedOperations >= completedBefore + MinRegistryOperationsPerRound, Heal);
            }

            // Drain: no new launches; every launched task must end and reach the framework.
            scheduler.Launching = false;
            await HealAsync(cluster, agents, driver, "at the end", registryClients);
            await PollAsync("all launched tasks ended", () => scheduler.Live == 0, Heal);
            await stop.CancelAsync();
            await workload;
            await observer;
            var final = await FinalWeightsAsync(cluster);
            // After the workload stopped: every master's own copy, not only the leader's, holds every acknowledged write.
            var leaderNow = await cluster.LeaderAsync();
            await cluster.Group.WaitForConvergenceAsync((await leaderNow.TryStatusAsync())?.CommitIndex ?? 0, Heal);
            var copies = new List<CheckResult>();
            foreach (var master in cluster.Group.Masters)
                copies.Add(registerOps.NoAcknowledgedWriteLost(await LocalWeightsAsync(master)) with { Invariant = $"no acknowledged write lost in m{master.Id}'s copy" });
            foreach (var agent in agents) RecordRuns(agent, tasks);

            var checking = Stopwatch.StartNew();
            CheckResult[] results =
            [
                LeaderHistory.FromJournals(cluster.Group.Masters.Select(m => ($"m{m.Id}", Path.Combine(m.DataDirectory, LeadershipJournal.FileName))))
                    .AtMostOneLeaderPerTerm() with { Invariant = "at most one leader per term, from every master's journal" },
                leaders.AtMostOneLeaderPerTerm() with { Invariant = "at most one leader per term, as sampled through /health" },
                registerOps.NoAcknowledgedWriteLost(final),
                .. copies,
                registerOps.Linearizable(),
                registerOps.LocalReadsMonotonic(),
                tasks.NoTaskLaunchedTwice(),
                tasks.EveryFinalStateReachedTheFramework(),
                tasks.FrameworkHeardWhatAgentsRecorded(),
                await RegisteredWithTheLeaderAsync(cluster, agents, driver),
            ];
            output.WriteLine($"checks took {checking.ElapsedMilliseconds} ms");
            failovers.Sort();
            output.WriteLine("faults injected:");
            foreach (var line in report) output.WriteLine("  " + line);
            if (failovers.Count > 0)
                output.WriteLine($"failover ms: min {failovers[0]:F0} median {failovers[failovers.Count / 2]:F0} max {failovers[^1]:F0} ({failovers.Count} leader faults)");
            output.WriteLine($"workload: {registerOps.Count} registry operations, {tasks.LaunchCount} tasks launched, {scheduler.Finished} finished, " +
                $"{scheduler.Subscriptions} subscriptions, {leaders.Terms} terms");
            output.WriteLine("registry operations per key (acknowledged writes / unknown outcomes / linearizable reads / local reads):");
            foreach (var (key, acked, unknown, reads, locals) in registerOps.Counts())
                output.WriteLine($"  {key}: {acked} / {unknown} / {reads} / {locals}");
            output.WriteLine("invariants:");
            foreach (var result in results) output.WriteLine("  " + result);
            output.WriteLine($"seed {seed}");
            Assert.True(results.All(x => x.Holds), $"seed {seed}: " + string.Join("; ", results.Where(x => !x.Holds)));
        }
        finally
        {
            await stop.CancelAsync();
            if (driver is not null) await driver.DisposeAsync();
            foreach (var m in cluster.Group.Masters) if (m.IsRunning) try { m.Resume(); } catch (InvalidOperationException) { }
        }
    }

    /// <summary>
    /// The fault of each round: every fault type once, in a seeded order, within the first
    /// <c>faults.Length</c> rounds (a run too short for all of them is refused), then seeded picks.
    /// </summary>
    public static string[] FaultSchedule(string[] faults, int rounds, Random random)
    {
        var everyOnce = faults.Distinct().ToArray();
        if (rounds < everyOnce.Length)
            throw new ArgumentException($"{rounds} rounds cannot inject each of the {everyOnce.Length} fault types ({string.Join(", ", everyOnce)}) once; set CHAOS_ROUNDS >= {everyOnce.Length}");
        random.Shuffle(everyOnce);
        return [.. everyOnce, .. Enumerable.Range(0, rounds - everyOnce.Length).Select(_ => faults[random.Next(faults.Length)])];
    }

    /// <summary>Every master up and agreeing on a leader, every agent and the framework registered with it.</summary>
    private static async Task HealAsync(ClusterHarness cluster, AgentProcess[] agents, MesosSchedulerDriver driver, string phase,
        RegistryWorkload registryClients)
    {
        foreach (var m in cluster.Group.Masters.Where(m => !m.IsRunning)) cluster.Group.Start(m);
        var leader = await cluster.Group.WaitForLeaderAsync(Heal);
        // The masters are compared at rest: the registry clients wait meanwhile.
        await registryClients.PauseAsync();
        try
        {
            var status = await leader.TryStatusAsync();
            await cluster.Group.WaitForConvergenceAsync(status?.CommitIndex ?? 0, Heal);
        }
        finally
        {
            registryClients.Resume();
        }
        leader = await cluster.Group.WaitForLeaderAsync(Heal);
        CheckResult? last = null;
        await PollAsync(phase + ": agents and framework with the leader",
            async () => (last = await RegisteredWithTheLeaderAsync(cluster, agents, driver)).Holds, Heal, () => last?.ToString() ?? "nothing");
    }

    /// <summary>
    /// Judged from the leader's own view (its <c>/master/state</c>): every agent active in its core and
    /// the framework connected; the agents' and the driver's own claims must name the same leader too.
    /// </summary>
    private static async Task<CheckResult> RegisteredWithTheLeaderAsync(ClusterHarness cluster, AgentProcess[] agents, MesosSchedulerDriver driver)
    {
        const string invariant = "after healing, the leader counts every agent and the framework as registered with it";
        var leader = await cluster.Group.WaitForLeaderAsync(Heal);
        if (await MasterGroup.TryLeaderViewAsync(leader) is not var (activeAgents, connectedFrameworks))
            return CheckResult.Fail(invariant, $"the leader {leader.HttpAddress} did not show its state");
        var astray = new List<string>();
        foreach (var agent in agents)
        {
            var health = await agent.TryHealthAsync();
            if (health?.Id is not { } id || !activeAgents.Contains(id)) astray.Add($"{agent.Name} ({health?.Id ?? "no id"}) not active in the leader's view");
            else if (health is not { Registered: true } || health.Leader != leader.HttpAddress) astray.Add($"{agent.Name} believes it is with {health.Leader ?? "none"}");
        }
        if (driver.FrameworkId is not { } framework || !connectedFrameworks.Contains(framework)) astray.Add($"framework {driver.FrameworkId ?? "(no id)"} not connected in the leader's view");
        else if (driver.Master != leader.HttpAddress) astray.Add($"framework believes it is on {driver.Master ?? "none"}");
        return astray.Count == 0
            ? CheckResult.Pass(invariant)
            : CheckResult.Fail(invariant, string.Join(", ", astray) + $" (leader {leader.HttpAddress})");
    }

    /// <summary>Each run directory an agent created for a task is one run of it.</summary>
    private static void RecordRuns(AgentProcess agent, TaskHistory tasks)
    {
        var meta = Path.Combine(agent.WorkDirectory, "meta");
        if (!Directory.Exists(meta)) return;
        foreach (var runs in Directory.EnumerateDirectories(meta, "runs", SearchOption.AllDirectories))
            foreach (var run in Directory.EnumerateDirectories(runs))
            {
                var task = Path.GetFileName(Path.GetDirectoryName(runs)!);
                tasks.RanOnAgent(task);
                var log = Path.Combine(run, Mesos.HA.Agent.Tasks.TaskRun.UpdatesFile);
                if (!File.Exists(log)) continue;
                var ended = Mesos.HA.Agent.Updates.UpdateLog.ReadAll(log)
                    .LastOrDefault(r => r.Update is { } u && TaskHistory.IsTerminal(u.State.MesosName()))?.Update;
                if (ended is not null) tasks.EndedOnAgent(task, ended.State.MesosName());
            }
    }

    private static async Task<IReadOnlyDictionary<string, double>> FinalWeightsAsync(ClusterHarness cluster)
    {
        var deadline = DateTime.UtcNow + Heal;
        while (DateTime.UtcNow < deadline)
        {
            var leader = await cluster.LeaderAsync();
            if (await MasterGroup.TryReadWeightsAsync(leader) is { } weights) return weights.ToDictionary(w => w.Role, w => w.Weight);
            await Task.Delay(20);
        }
        throw new TimeoutException("no final linearizable read succeeded");
    }

    private static async Task<IReadOnlyDictionary<string, double>> LocalWeightsAsync(MasterProcess master) =>
        (await MasterGroup.TryReadWeightsAsync(master, local: true) ?? throw new InvalidOperationException($"m{master.Id} did not show its own copy"))
        .ToDictionary(w => w.Role, w => w.Weight);

    private static async Task ObserveAsync(MasterGroup group, LeaderHistory leaders, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            foreach (var (master, status) in await group.StatusesAsync(token))
                if (status is { Role: "leader" }) leaders.Observe(status.Term, master.RaftAddress);
            try { await Task.Delay(10, token); } catch (OperationCanceledException) { }
        }
    }

    private static Task<bool> PollAsync(string phase, Func<bool> condition, TimeSpan timeout, Func<string>? seen = null) =>
        PollAsync(phase, () => Task.FromResult(condition()), timeout, seen);

    private static async Task<bool> PollAsync(string phase, Func<Task<bool>> condition, TimeSpan timeout, Func<string>? seen = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return true;
            await Task.Delay(20);
        }
        throw new TimeoutException($"{phase}: not reached within {timeout}" + (seen is null ? "" : "; seen: " + seen()));
    }
}

/// <summary>Runs where network namespaces can be made (root, iproute2); skipped, saying why, elsewhere.</summary>
public sealed class NetworkLabFactAttribute : FactAttribute
{
    public NetworkLabFactAttribute()
    {
        using var probe = NetworkLab.TryCreate(1, out var reason);
        if (probe is null) Skip = "network namespaces are not available here: " + reason;
    }

    /// <summary>An environment variable that must be "1" for the test to run (it is skipped, saying so, otherwise).</summary>
    public string? OptIn
    {
        get => null;
        init
        {
            if (value is not null && Environment.GetEnvironmentVariable(value) != "1" && Skip is null)
                Skip = $"opt-in: set {value}=1 (see the test's remarks for why it is not in the default run)";
        }
    }
}
