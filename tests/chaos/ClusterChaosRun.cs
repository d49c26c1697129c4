using System.Diagnostics;
using Mesos.HA.Checkers;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;
using Mesos.HA.Replication;
using Mesos.HA.SchedulerDriver;
using Mesos.HA.Tests.Support;
using Xunit.Abstractions;

namespace Mesos.HA.Chaos.Tests;

/// <summary>
/// The whole-cluster chaos scenario's parts, for the seeded rounds of <see cref="ClusterChaosTests"/>
/// and the scripted runs of <see cref="InjectedBugTests"/>: start the workload (2 agents and a framework
/// on the C# driver keeping short tasks running, unless registry-only; the registry clients; an observer
/// of /health), inject named faults, heal, and at the end judge every history and report.
/// </summary>
internal sealed class ClusterChaosRun : IAsyncDisposable
{
    public static readonly TimeSpan Heal = TimeSpan.FromSeconds(60);
    private readonly ClusterHarness cluster;
    private readonly ITestOutputHelper output;
    private readonly CancellationTokenSource stop = new();
    private readonly FrameworkInfo frameworkInfo = new() { Name = "chaos", FailoverTimeout = TimeSpan.FromMinutes(10) };
    private readonly List<double> failovers = [];
    private Task workload = Task.CompletedTask;
    private Task observer = Task.CompletedTask;

    private ClusterChaosRun(ClusterHarness cluster, ITestOutputHelper output, int seed)
    {
        this.cluster = cluster;
        this.output = output;
        Seed = seed;
        Scheduler = new ChaosScheduler(Tasks, concurrency: 8, Offers, SampleExecutor.Command);
        Registry = new RegistryWorkload(cluster.Group, RegisterOps, Clock, seed);
    }

    public int Seed { get; }
    public Stopwatch Clock { get; } = Stopwatch.StartNew();
    public LeaderHistory Leaders { get; } = new();
    public RegisterHistory RegisterOps { get; } = new();
    public TaskHistory Tasks { get; } = new();
    public OfferHistory Offers { get; } = new();
    public ChaosScheduler Scheduler { get; }
    public RegistryWorkload Registry { get; }
    public AgentProcess[] Agents { get; private set; } = [];
    public MesosSchedulerDriver? Driver { get; private set; }

    /// <summary>What was injected, one line per fault, for the report.</summary>
    public List<string> Report { get; } = [];

    /// <summary>Starts the workload on a started cluster: with <paramref name="tasks"/>, agents and the framework too.</summary>
    public static async Task<ClusterChaosRun> StartAsync(ClusterHarness cluster, ITestOutputHelper output, int seed, bool tasks = true)
    {
        var run = new ClusterChaosRun(cluster, output, seed);
        try
        {
            await cluster.LeaderAsync();
            if (tasks)
            {
                run.Agents = [await cluster.StartAgentAsync(), await cluster.StartAgentAsync()];
                run.Driver = new MesosSchedulerDriver(run.Scheduler, run.frameworkInfo, cluster.MasterAddresses, cluster.Group.Security?.FrameworkOptions());
                run.Driver.Start();
            }
            run.workload = run.Registry.RunAsync(run.stop.Token);
            run.observer = Task.Run(() => ObserveAsync(cluster.Group, run.Leaders, run.stop.Token));
            return run;
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Injects one fault and returns once it is over (a killed or paused master may still be catching
    /// up: <see cref="HealAsync"/> waits for that). Faults that need no luck to hit their target:
    /// <list type="bullet">
    /// <item><c>kill-follower-read-on-restart</c>: a follower is killed, a fresh key written through the
    /// leader; the follower is restarted and read from as soon as it answers HTTP (before its Raft member
    /// caught up, or even started): a master must not answer a linearizable read from its own copy.</item>
    /// <item><c>pause-followers-write-kill-all</c>: both followers are paused, a fresh key written
    /// through the leader (it cannot commit), the leader killed, then the paused followers killed too (what
    /// they received unread dies with them) and restarted (they elect one of them, without the write);
    /// the key is read through the new leader: the write must not have been acknowledged.</item>
    /// </list>
    /// </summary>
    public async Task InjectAsync(string fault, int round, Random random, NetworkLab? lab = null)
    {
        var leader = await cluster.LeaderAsync();
        var started = Stopwatch.StartNew();
        switch (fault)
        {
            case var master when MasterFaults.Handles(master):
                var injected = await MasterFaults.InjectAsync(master, cluster.Group, leader, lab, random, Heal);
                if (injected.FailoverMs is { } ms) failovers.Add(ms);
                if (injected.Reconnected is { } healed) Offers.PartitionHealed($"m{healed.Id}", LeadershipJournal.MonotonicMicros());
                Report.Add($"round {round}: {injected.Report}");
                break;
            case "kill-agent":
                var agent = Agents[random.Next(Agents.Length)];
                agent.Kill();
                Report.Add($"round {round}: SIGKILL {agent.Name} (its tasks keep running); restarted");
                await Task.Delay(random.Next(200, 1500));
                agent.Start();
                break;
            case "kill-framework":
                var id = Driver!.FrameworkId;
                await Driver.DisposeAsync(); // gone without a teardown, as a crash
                Report.Add($"round {round}: framework {id} killed; back with the same id");
                await Task.Delay(random.Next(200, 1500));
                Driver = new MesosSchedulerDriver(Scheduler, frameworkInfo with { Id = id }, cluster.MasterAddresses, cluster.Group.Security?.FrameworkOptions());
                Driver.Start();
                break;
            case "kill-follower-read-on-restart":
                await KillFollowerReadOnRestartAsync(round, leader, random);
                break;
            case "pause-followers-write-kill-all":
                await PauseFollowersWriteKillLeaderAsync(round, leader, started);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, "no such fault");
        }
    }

    private async Task KillFollowerReadOnRestartAsync(int round, MasterProcess leader, Random random)
    {
        var key = $"chaos/fault{round}";
        var follower = cluster.Group.Masters.Where(m => m != leader).ElementAt(random.Next(2));
        await Registry.PauseAsync(); // the fault's own operations on a key nobody else touches
        try
        {
            follower.Kill();
            var written = await WriteUntilAcknowledgedAsync(key, $"round {round}: write while m{follower.Id} is down");
            cluster.Group.Start(follower);
            await PollAsync($"round {round}: m{follower.Id} answers HTTP", async () => await follower.TryStatusAsync() is not null, Heal);
            var (read, _) = await Registry.ReadAsync(follower, key, stop.Token);
            Report.Add($"round {round}: SIGKILL follower m{follower.Id}; wrote {key} through m{written.Id}; restarted m{follower.Id} and read " +
                $"{key} through it at once ({(read ? "it answered" : "it refused")})");
        }
        finally
        {
            Registry.Resume();
        }
    }

    private async Task PauseFollowersWriteKillLeaderAsync(int round, MasterProcess leader, Stopwatch started)
    {
        var key = $"chaos/fault{round}";
        var followers = cluster.Group.Masters.Where(m => m != leader).ToArray();
        await Registry.PauseAsync();
        try
        {
            foreach (var f in followers) f.Pause();
            // Without a majority the write cannot commit: its outcome is unknown unless the leader acknowledges it anyway.
            var (acknowledged, _) = await Registry.WriteAsync(leader, key, stop.Token);
            leader.Kill();
            foreach (var f in followers)
            {
                f.Kill(); // still paused: the leader's requests waiting unread in its sockets are lost
                cluster.Group.Start(f);
            }
            var next = await cluster.Group.WaitForLeaderOtherThanAsync(leader, Heal);
            failovers.Add(started.Elapsed.TotalMilliseconds);
            cluster.Group.Start(leader);
            await PollAsync($"round {round}: read {key} after the failover", async () =>
                (await Registry.ReadAsync(await cluster.LeaderAsync(), key, stop.Token)).Read, Heal);
            Report.Add($"round {round}: SIGSTOP both followers; wrote {key} through leader m{leader.Id} " +
                $"({(acknowledged ? "acknowledged" : "not acknowledged")}); SIGKILL m{leader.Id}, then both followers; restarted them; m{next.Id} leads; read {key}");
        }
        finally
        {
            foreach (var f in followers) if (f.IsRunning) try { f.Resume(); } catch (InvalidOperationException) { }
            Registry.Resume();
        }
    }

    /// <summary>Writes a fresh value to <paramref name="key"/> through the leader until one is acknowledged; returns who acknowledged it.</summary>
    private async Task<MasterProcess> WriteUntilAcknowledgedAsync(string key, string phase)
    {
        MasterProcess? acknowledgedBy = null;
        await PollAsync(phase, async () =>
        {
            var leader = await cluster.LeaderAsync();
            if ((await Registry.WriteAsync(leader, key, stop.Token)).Acknowledged) acknowledgedBy = leader;
            return acknowledgedBy is not null;
        }, Heal);
        return acknowledgedBy!;
    }

    /// <summary>Every master up and agreeing on a leader and converged, every agent and the framework registered with it.</summary>
    public async Task HealAsync(string phase)
    {
        foreach (var m in cluster.Group.Masters.Where(m => !m.IsRunning)) cluster.Group.Start(m);
        var leader = await cluster.Group.WaitForLeaderAsync(Heal);
        // The masters are compared at rest: the registry clients wait meanwhile.
        await Registry.PauseAsync();
        try
        {
            var status = await leader.TryStatusAsync();
            await cluster.Group.WaitForConvergenceAsync(status?.CommitIndex ?? 0, Heal);
        }
        finally
        {
            Registry.Resume();
        }
        await cluster.Group.WaitForLeaderAsync(Heal);
        CheckResult? last = null;
        await PollAsync(phase + ": agents and framework with the leader", async () => (last = await RegisteredWithTheLeaderAsync()).Holds, Heal,
            () => last?.ToString() ?? "nothing");
    }

    /// <summary>
    /// Ends the run and judges it. With <paramref name="settle"/>, the run heals first and every launched
    /// task must end (a timeout throws, naming the phase); without, the masters are only brought up and
    /// compared, for runs whose faults (or injected bugs) leave the framework unable to finish.
    /// </summary>
    /// <summary>
    /// Waits for a background loop to end after the stop: bounded, so a call stuck past its cancellation fails the run
    /// naming the loop (a CI run once sat here for 50 minutes under a load average of 45) instead of hanging it.
    /// </summary>
    private static async Task StoppedAsync(Task loop, string what)
    {
        try
        {
            await loop.WaitAsync(Heal);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{what} did not stop within {Heal.TotalSeconds:F0} s of the run's stop");
        }
    }

    public async Task<CheckResult[]> FinishAsync(bool settle = true)
    {
        Scheduler.Launching = false;
        if (settle)
        {
            await HealAsync("at the end");
            await PollAsync("all launched tasks ended", () => Task.FromResult(Scheduler.Live == 0), Heal, FrameworkSeen);
        }
        else
        {
            foreach (var m in cluster.Group.Masters.Where(m => !m.IsRunning)) cluster.Group.Start(m);
        }
        await stop.CancelAsync();
        await StoppedAsync(workload, "the registry workload");
        await StoppedAsync(observer, "the leader observer");
        var final = await FinalWeightsAsync();
        // After the workload stopped: every master's own copy, not only the leader's, holds every acknowledged write.
        var leaderNow = await cluster.LeaderAsync();
        await cluster.Group.WaitForConvergenceAsync((await leaderNow.TryStatusAsync())?.CommitIndex ?? 0, Heal);
        var copies = new List<CheckResult>();
        foreach (var master in cluster.Group.Masters)
            copies.Add(RegisterOps.NoAcknowledgedWriteLost(await LocalWeightsAsync(master)) with { Invariant = $"no acknowledged write lost in m{master.Id}'s copy" });
        foreach (var agent in Agents) RecordRuns(agent, Tasks);

        var checking = Stopwatch.StartNew();
        var tasks = Tasks.Snapshot();
        var journals = cluster.Group.Masters.Select(m => ($"m{m.Id}", Path.Combine(m.DataDirectory, LeadershipJournal.FileName))).ToArray();
        CheckResult[] results =
        [
            LeaderHistory.FromJournals(journals).AtMostOneLeaderPerTerm() with { Invariant = "at most one leader per term, from every master's journal" },
            Leaders.AtMostOneLeaderPerTerm() with { Invariant = "at most one leader per term, as sampled through /health" },
            Offers.NoOfferFromADeposedLeader(JournalLine.Read(journals)),
            RegisterOps.NoAcknowledgedWriteLost(final),
            .. copies,
            RegisterOps.Linearizable(),
            RegisterOps.LocalReadsMonotonic(),
            tasks.NoTaskLaunchedTwice(),
            tasks.EveryFinalStateReachedTheFramework(),
            tasks.FrameworkHeardWhatAgentsRecorded(),
            await RegisteredWithTheLeaderAsync(),
        ];
        output.WriteLine($"checks took {checking.ElapsedMilliseconds} ms");
        output.WriteLine("faults injected:");
        foreach (var line in Report) output.WriteLine("  " + line);
        if (failovers.Count > 0)
        {
            var failover = Samples.Of(failovers);
            output.WriteLine($"failover ms: min {failover.Min:F0} median {failover.Median:F0} max {failover.Max:F0} ({failover.Count} leader faults)");
        }
        output.WriteLine($"workload: {RegisterOps.Count} registry operations, {Tasks.LaunchCount} tasks launched, {Scheduler.Finished} finished, " +
            $"{Scheduler.Subscriptions} subscriptions, {Offers.Count} offers, {Leaders.Terms} terms");
        output.WriteLine("registry operations per key (acknowledged writes / unknown outcomes / linearizable reads / local reads):");
        foreach (var (key, acked, unknown, reads, locals) in RegisterOps.Counts())
            output.WriteLine($"  {key}: {acked} / {unknown} / {reads} / {locals}");
        output.WriteLine("invariants:");
        foreach (var result in results) output.WriteLine("  " + result);
        output.WriteLine($"seed {Seed}");
        return results;
    }

    /// <summary>What the framework sees, for a timeout's report: its subscriptions, its master, every task it still waits on and what it heard of each.</summary>
    public string FrameworkSeen() =>
        $"subscriptions {Scheduler.Subscriptions}, framework on {Driver?.Master ?? "none"}, live: " +
        string.Join(", ", Scheduler.LiveTasks().Select(t => $"{t.Task} on {t.Agent} [{Tasks.UpdatesOf(t.Task)}]"));

    /// <summary>
    /// Judged from the leader's own view (its <c>/master/state</c>): every agent active in its core and
    /// the framework connected; the agents' and the driver's own claims must name the same leader too.
    /// </summary>
    public async Task<CheckResult> RegisteredWithTheLeaderAsync()
    {
        const string invariant = "after healing, the leader counts every agent and the framework as registered with it";
        var leader = await cluster.Group.WaitForLeaderAsync(Heal);
        if (await MasterGroup.TryLeaderViewAsync(leader) is not var (activeAgents, connectedFrameworks))
            return CheckResult.Fail(invariant, $"the leader {leader.HttpAddress} did not show its state");
        var astray = new List<string>();
        foreach (var agent in Agents)
        {
            var health = await agent.TryHealthAsync();
            if (health?.Id is not { } id || !activeAgents.Contains(id)) astray.Add($"{agent.Name} ({health?.Id ?? "no id"}) not active in the leader's view");
            else if (health is not { Registered: true } || health.Leader != leader.HttpAddress) astray.Add($"{agent.Name} believes it is with {health.Leader ?? "none"}");
        }
        if (Driver is not null)
        {
            if (Driver.FrameworkId is not { } framework || !connectedFrameworks.Contains(framework))
                astray.Add($"framework {Driver.FrameworkId ?? "(no id)"} not connected in the leader's view");
            else if (Driver.Master != leader.HttpAddress) astray.Add($"framework believes it is on {Driver.Master ?? "none"}");
        }
        return astray.Count == 0
            ? CheckResult.Pass(invariant)
            : CheckResult.Fail(invariant, string.Join(", ", astray) + $" (leader {leader.HttpAddress})");
    }

    /// <summary>Each run directory an agent created for a task is one run of it.</summary>
    private static void RecordRuns(AgentProcess agent, TaskHistory tasks)
    {
        foreach (var (task, log) in TaskRuns(agent.WorkDirectory))
        {
            tasks.RanOnAgent(task);
            var ended = EndedOnAgent(log);
            if (ended is not null) tasks.EndedOnAgent(task, ended);
        }
    }

    /// <summary>
    /// Every run of a task under an agent's work directory: the task id and its update log. A custom
    /// executor's runs sit beside them (<c>executors/&lt;executor&gt;/runs/&lt;run&gt;</c>, holding the
    /// executor's checkpoint instead of a task's) and are not task runs: an executor that ended may be
    /// started again by the next task given to it, under the same id.
    /// </summary>
    public static IEnumerable<(string Task, string UpdateLog)> TaskRuns(string agentWorkDirectory)
    {
        var meta = Path.Combine(agentWorkDirectory, "meta");
        if (!Directory.Exists(meta)) yield break;
        foreach (var runs in Directory.EnumerateDirectories(meta, "runs", SearchOption.AllDirectories))
            foreach (var run in Directory.EnumerateDirectories(runs))
                if (!File.Exists(Path.Combine(run, Mesos.HA.Agent.Tasks.RunFiles.ExecutorFile)))
                    yield return (Path.GetFileName(Path.GetDirectoryName(runs)!), Path.Combine(run, Mesos.HA.Agent.Tasks.RunFiles.UpdatesFile));
    }

    /// <summary>The terminal state the run's own update log records, if it ended.</summary>
    public static string? EndedOnAgent(string updateLog) =>
        !File.Exists(updateLog) ? null
            : Mesos.HA.Agent.Updates.UpdateLog.ReadAll(updateLog)
                .LastOrDefault(r => r.Update is { } u && TaskHistory.IsTerminal(u.State.MesosName()))?.Update?.State.MesosName();

    private Task<IReadOnlyDictionary<string, double>> FinalWeightsAsync() =>
        Poll.ForAsync<IReadOnlyDictionary<string, double>>("a final linearizable read", async () =>
            await MasterGroup.TryReadWeightsAsync(await cluster.LeaderAsync()) is { } weights ? weights.ToDictionary(w => w.Role, w => w.Weight) : null,
            Heal);

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

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds; throws naming <paramref name="phase"/> after
    /// <paramref name="timeout"/>, with what <paramref name="seen"/> describes.
    /// </summary>
    public static Task PollAsync(string phase, Func<Task<bool>> condition, TimeSpan timeout, Func<string>? seen = null) =>
        Poll.UntilAsync(phase, condition, timeout, seen);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (Driver is not null) await Driver.DisposeAsync();
        foreach (var m in cluster.Group.Masters) if (m.IsRunning) try { m.Resume(); } catch (InvalidOperationException) { }
        await workload.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await observer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stop.Dispose();
    }
}
