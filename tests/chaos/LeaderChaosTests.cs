using Mesos.HA.Cli.Local;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Chaos.Tests;

/// <summary>
/// Seeded chaos against the masters alone: while the registry clients (the Jepsen-style
/// <see cref="RegistryWorkload"/>: concurrent clients, few keys, every write a fresh value, reads
/// linearizable and local) run, the nemesis kills or pauses the leader, kills a follower, kills the
/// leader and then a survivor during the election, pauses the leader while a restarted follower
/// catches up, and kills every master at once — each at least once per run. The masters run with
/// the power-loss emulation (unflushed write-ahead-log pages die with the process), so every SIGKILL
/// is a power cut of that machine and killing every master is a whole-cluster power loss. Afterwards: one leader
/// per term (journals and samples), no acknowledged write lost in any master's copy, the history
/// linearizable, local reads monotonic. CHAOS_ROUNDS and CHAOS_SEED override the smoke defaults.
/// </summary>
public sealed class LeaderChaosTests(ITestOutputHelper output)
{
    private const int MinRegistryOperationsPerRound = 20;

    [Fact]
    public async Task LeaderKillsAndPauses_UnderWrites_LoseNoAcknowledgedWrite()
    {
        var faults = MasterFaults.Local;
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("CHAOS_ROUNDS"), out var r) ? r : faults.Length;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CHAOS_SEED"), out var s) ? s : Environment.TickCount;
        output.WriteLine($"seed {seed}, rounds {rounds} (replay with CHAOS_SEED={seed} CHAOS_ROUNDS={rounds})");
        var random = new Random(seed);
        var schedule = ClusterChaosTests.FaultSchedule(faults, rounds, random);
        output.WriteLine("fault schedule: " + string.Join(", ", schedule));
        var root = Path.Combine(Path.GetTempPath(), "mesos-ha-chaos", $"leader-{seed}-{Guid.NewGuid():N}"[..40]);
        await using var cluster = new ClusterHarness(new MasterGroup(3, root, ["--log-level", "Warning", "--emulate-power-loss"]), output);
        await using var run = await ClusterChaosRun.StartAsync(cluster, output, seed, tasks: false);
        for (var round = 1; round <= rounds; round++)
        {
            // Heal first: every master up, answering and caught up, so each fault hits a whole group.
            await run.HealAsync($"before round {round}");
            await run.InjectAsync(schedule[round - 1], round, random);
            await run.HealAsync($"after round {round} ({schedule[round - 1]})");
            var completedBefore = run.Registry.CompletedOperations;
            await ClusterChaosRun.PollAsync($"round {round}: registry operations complete after {schedule[round - 1]}",
                () => Task.FromResult(run.Registry.CompletedOperations >= completedBefore + MinRegistryOperationsPerRound), ClusterChaosRun.Heal);
        }
        var results = await run.FinishAsync();
        Assert.True(results.All(x => x.Holds), $"seed {seed}: " + string.Join("; ", results.Where(x => !x.Holds)));
    }
}
