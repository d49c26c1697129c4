using Mesos.HA.Checkers;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;
using Mesos.HA.Replication;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Chaos.Tests;

/// <summary>
/// The suite catches known bugs: each test starts the masters with one injected bug (<see cref="InjectedBugs"/>),
/// runs the chaos scenario that should expose it with the fault it needs scripted (not drawn from a seed),
/// and passes only if the matching checker fails. A checker no bug can trip proves nothing. Each run is
/// short (a few rounds or seconds of workload) and judged with every checker; the report is printed.
/// </summary>
public sealed class InjectedBugTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(30);

    /// <summary>A master restarted after missing a write answers a "linearizable" read from its own copy at once.</summary>
    [Fact]
    public async Task SkipReadBarrier_IsCaughtBy_Linearizability()
    {
        var results = await RunAsync("skip-read-barrier", tasks: false, async (_, run, random) =>
        {
            for (var round = 1; round <= 2; round++)
            {
                await run.HealAsync($"before round {round}");
                await run.InjectAsync("kill-follower-read-on-restart", round, random);
            }
        });
        AssertCaught(results, "registry history linearizable");
    }

    /// <summary>A leader without a majority acknowledges a write it cannot commit; killed, its write is gone.</summary>
    [Fact]
    public async Task AckBeforeCommit_IsCaughtBy_NoAcknowledgedWriteLost()
    {
        var results = await RunAsync("ack-before-commit", tasks: false, async (_, run, random) =>
        {
            await run.HealAsync("before round 1");
            await run.InjectAsync("pause-followers-write-kill-all", 1, random);
            await run.HealAsync("after round 1");
        });
        AssertCaught(results, "no acknowledged write lost");
        AssertCaught(results, "registry history linearizable");
    }

    /// <summary>A paused leader comes back after a new one was elected and goes on offering to the framework still on its stream.</summary>
    [Fact]
    public async Task DeposedLeaderKeepsOffering_IsCaughtBy_NoOfferFromADeposedLeader()
    {
        var results = await RunAsync("deposed-leader-keeps-offering", tasks: true, async (cluster, run, random) =>
        {
            await TasksFinishAsync(run, "before the pause");
            await run.InjectAsync("pause-leader", 1, random);
            // Bounded: with the bug, offers of the old term keep coming for seconds; without, none do.
            var journals = cluster.Group.Masters.Select(m => ($"m{m.Id}", Path.Combine(m.DataDirectory, LeadershipJournal.FileName))).ToArray();
            await UntilAsync(() => !run.Offers.NoOfferFromADeposedLeader(JournalLine.Read(journals)).Holds, Bounded);
        }, settle: false);
        AssertCaught(results, "no offer from a master after it stopped leading the offer's term");
    }

    /// <summary>Tasks end on their agents, the master acknowledges their terminal updates and never forwards them.</summary>
    [Fact]
    public async Task DropTerminalUpdates_IsCaughtBy_TheFrameworkHearingHowTasksEnded()
    {
        var results = await RunAsync("drop-terminal-updates", tasks: true, async (_, run, _) =>
            await UntilAsync(() => run.Agents.SelectMany(a => ClusterChaosRun.TaskRuns(a.WorkDirectory)).Count(r => ClusterChaosRun.EndedOnAgent(r.UpdateLog) is not null) >= 3, Bounded),
            settle: false);
        AssertCaught(results, "every launched task's final state reached its framework");
        AssertCaught(results, "the framework heard how each task ended on its agent");
    }

    /// <summary>The master re-sends each launch after the task ended; its agent runs the task a second time.</summary>
    [Fact]
    public async Task RetryLaunches_IsCaughtBy_NoTaskLaunchedTwice()
    {
        var results = await RunAsync("retry-launches", tasks: true, async (_, run, _) =>
            await UntilAsync(() => run.Agents.SelectMany(a => ClusterChaosRun.TaskRuns(a.WorkDirectory)).GroupBy(r => r.Task).Any(g => g.Count() > 1), Bounded),
            settle: false);
        AssertCaught(results, "no task launched twice");
    }

    /// <summary>Runs the scripted scenario against masters started with <paramref name="bug"/>; returns every checker's verdict.</summary>
    private async Task<CheckResult[]> RunAsync(string bug, bool tasks, Func<ClusterHarness, ClusterChaosRun, Random, Task> script, bool settle = true)
    {
        // Inherited by the masters this test starts; it allows the switch, it sets no bug.
        Environment.SetEnvironmentVariable(InjectedBugNames.AllowVariable, "1");
        var seed = Environment.TickCount;
        output.WriteLine($"injected bug: {bug}; seed {seed} (the faults are scripted; the seed only drives the registry clients)");
        var root = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "bug-" + Guid.NewGuid().ToString("N")[..12]);
        await using var cluster = new ClusterHarness(new MasterGroup(3, root, ["--log-level", "Warning", "--inject-bug", bug]), output);
        await using var run = await ClusterChaosRun.StartAsync(cluster, output, seed, tasks);
        await script(cluster, run, new Random(seed));
        return await run.FinishAsync(settle);
    }

    /// <summary>Tasks are being launched and finished: the framework is subscribed and offers flow.</summary>
    private static Task TasksFinishAsync(ClusterChaosRun run, string phase) =>
        ClusterChaosRun.PollAsync($"{phase}: tasks finish", () => Task.FromResult(Volatile.Read(ref run.Scheduler.Finished) >= 3), Bounded);

    /// <summary>Waits until <paramref name="condition"/> holds or <paramref name="timeout"/> passes, without failing: the checkers judge afterwards.</summary>
    private static Task UntilAsync(Func<bool> condition, TimeSpan timeout) =>
        Poll.TryUntilAsync(condition, timeout, TimeSpan.FromMilliseconds(50));

    private static void AssertCaught(CheckResult[] results, string invariant)
    {
        var verdict = Assert.Single(results, r => r.Invariant == invariant);
        Assert.False(verdict.Holds, $"the injected bug went unnoticed: '{invariant}' still holds ({verdict.Details})");
    }
}
