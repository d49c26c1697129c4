using Mesos.HA.Cli.Local;
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
    private static readonly TimeSpan Heal = ClusterChaosRun.Heal;
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
    /// The same run in secure mode (<c>mesos-ha local --secure</c>): every link on TLS from the cluster's own
    /// authority (the masters' Raft transport mutual), the framework, agents and registry clients
    /// authenticated, and a restrictive ACL. Every fault type of the plain run, fewer rounds by default.
    /// </summary>
    [Fact]
    public async Task Secure_MastersAgentsAndTheFramework_UnderFaults_KeepEveryInvariant()
    {
        var root = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "secure-chaos-" + Guid.NewGuid().ToString("N")[..12]);
        using var security = LocalSecurity.Create(root, DateTimeOffset.UtcNow);
        await using var cluster = new ClusterHarness(new MasterGroup(3, root, ["--log-level", "Warning"], security), output);
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
        var schedule = FaultSchedule(faults, rounds, random);
        output.WriteLine("fault schedule: " + string.Join(", ", schedule));
        await using var run = await ClusterChaosRun.StartAsync(cluster, output, seed);
        for (var round = 1; round <= rounds; round++)
        {
            await run.HealAsync($"before round {round}");
            var finishedBefore = Volatile.Read(ref run.Scheduler.Finished);
            var fault = schedule[round - 1];
            await run.InjectAsync(fault, round, random, lab);
            await run.HealAsync($"after round {round} ({fault})");
            await ClusterChaosRun.PollAsync($"round {round}: tasks progress after {fault}",
                () => Task.FromResult(Volatile.Read(ref run.Scheduler.Finished) > finishedBefore + 3), Heal,
                () => $"finished {run.Scheduler.Finished} (before {finishedBefore}), " + run.FrameworkSeen());
            // The registry must keep serving too: a round in which no operation completes proves nothing about it.
            var completedBefore = run.Registry.CompletedOperations;
            await ClusterChaosRun.PollAsync($"round {round}: registry operations complete after {fault}",
                () => Task.FromResult(run.Registry.CompletedOperations >= completedBefore + MinRegistryOperationsPerRound), Heal);
        }
        // Drain: no new launches; every launched task must end and reach the framework. Then the checkers judge.
        var results = await run.FinishAsync();
        Assert.True(results.All(x => x.Holds), $"seed {seed}: " + string.Join("; ", results.Where(x => !x.Holds)));
        // Half the tasks ran in custom executors, finished by framework messages: those flowed through the faults.
        Assert.True(run.Scheduler.MessagesReceived > 0, $"seed {seed}: no framework message reached the scheduler");
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
