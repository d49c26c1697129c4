using System.Diagnostics;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;
using Mesos.HA.SchedulerDriver;

namespace Mesos.HA.Cli.Bench;

/// <summary>
/// <c>mesos-ha bench failover-scale --agents A --tasks T --rounds R</c>: 3 master processes, A
/// <see cref="FollowingAgent"/>s in this process holding T long-running tasks launched by a framework on
/// the C# driver. Each round kills the leader (SIGKILL) and times, from the kill: the new leader's
/// election; every agent re-registered with it (the agents' own clocks); every task known to it (its
/// <c>/metrics/snapshot</c>, polled); the framework re-subscribed and every task answered by its
/// reconciliation; the framework's first offer from the new leader. Then the killed master is
/// restarted and the group converges. Prints each round, then
/// <c>RESULT failover-scale agents=A tasks=T rounds=R elected_ms=.. reregistered_ms=.. reconciled_ms=.. first_offer_ms=.. leader_rss_mb=..</c>
/// (medians). Every wait is bounded and names what it waited for.
/// </summary>
internal static class FailoverScaleBench
{
    public static async Task<int> RunAsync(ArgReader args, CancellationToken token)
    {
        var agentCount = args.Int("agents", 1000, 1, 200_000);
        var tasks = args.Int("tasks", 10_000, 1, 1_000_000);
        var rounds = args.Int("rounds", 3, 1, 100);
        var seed = args.Int("seed", Environment.TickCount & 0xffff, 0);
        var keep = args.Flag("keep"); // also set when the run fails: the logs are the diagnosis
        var logLevel = args.Optional("log-level") ?? "Warning";
        var masterArgs = args.Optional("master-args")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        args.EnsureAllUsed();
        Console.WriteLine($"failover-scale: {agentCount} agents, {tasks} tasks, {rounds} rounds, seed {seed}, load average {ProcStats.LoadAverage()}{(masterArgs.Length > 0 ? $", masters with {string.Join(' ', masterArgs)}" : "")}");

        // Bounds that grow with the scale: generous (a shared 2-core machine), but every wait has one.
        var phase = TimeSpan.FromSeconds(60) + TimeSpan.FromMilliseconds(agentCount * 5 + tasks * 0.5);
        var root = BenchRoot.Create("failover-scale");
        using var group = new MasterGroup(3, root, ["--log-level", logLevel, .. masterArgs]);
        var rows = new List<Row>();
        try
        {
            group.StartAll();
            var leader = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(60), token);
            var framework = new ScaleFramework(tasks, agentCount);
            var slots = framework.PerAgent + 2;
            await using var fleet = new AgentFleet(agentCount, $"cpus:{slots};mem:{slots * 32}", [.. group.Masters.Select(m => m.HttpAddress)], seed);
            var setup = Stopwatch.StartNew();
            await fleet.StartAsync(leader.HttpAddress, 500, TimeSpan.FromSeconds(60), token);
            Console.WriteLine($"{agentCount} agents registered in {setup.Elapsed.TotalSeconds:F1} s");

            await using var driver = new MesosSchedulerDriver(framework,
                new FrameworkInfo { Name = "failover-scale", FailoverTimeout = TimeSpan.FromMinutes(30) }, [.. group.Masters.Select(m => m.HttpAddress)]);
            driver.Start();
            setup.Restart();
            await Poll.UntilAsync($"{tasks} tasks running and acknowledged", () => framework.Failure is not null || fleet.ShutDown is not null
                || (framework.Running == tasks && fleet.Acknowledged == tasks), phase, () => $"{framework.Running} running at the framework; {fleet.Describe()}",
                TimeSpan.FromMilliseconds(50), token: token);
            Fail(framework, fleet);
            await Poll.UntilAsync($"the leader m{leader.Id} knows {tasks} running tasks", async () =>
                await LeaderSnapshot.TryReadAsync(leader, token) is { } s && s.TasksRunning == tasks, phase,
                token: token, interval: TimeSpan.FromMilliseconds(100));
            Console.WriteLine($"{tasks} tasks running on {agentCount} agents after {setup.Elapsed.TotalSeconds:F1} s; leader RSS {Mb(ProcStats.ResidentKb(leader.Pid)):F0} MB");

            for (var round = 1; round <= rounds; round++)
            {
                leader = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(60), token);
                var term = (await leader.TryStatusAsync(token))?.Term ?? throw new InvalidOperationException($"round {round}: the leader m{leader.Id} does not answer");
                var row = await RoundAsync(round, group, leader, term, fleet, framework, agentCount, tasks, phase, token);
                rows.Add(row);
                Console.WriteLine(row.Line(round, leader.Id));
                group.Start(leader);
                var next = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(60), token);
                await group.WaitForConvergenceAsync((await next.TryStatusAsync(token))?.CommitIndex ?? 0, phase, token);
            }
            Console.WriteLine(FormattableString.Invariant(
                $"RESULT failover-scale agents={agentCount} tasks={tasks} rounds={rounds} elected_ms={Median(rows, r => r.ElectedMs):F0} reregistered_ms={Median(rows, r => r.ReregisteredMs):F0} reconciled_ms={Median(rows, r => r.ReconciledMs):F0} first_offer_ms={Median(rows, r => r.FirstOfferMs):F0} leader_rss_mb={Median(rows, r => r.LeaderRssMb):F0}"));
            Console.WriteLine(FormattableString.Invariant(
                $"also (medians): tasks_known_ms={Median(rows, r => r.TasksKnownMs):F0} resubscribed_ms={Median(rows, r => r.ResubscribedMs):F0}; load average {ProcStats.LoadAverage()}"));
            return 0;
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            // A bounded wait gave up or the cluster broke the run: say which and where, no figure.
            Console.WriteLine($"FAILED failover-scale: {e.Message} (load average {ProcStats.LoadAverage()}; masters' logs in {root}{(keep ? "" : ", kept")})");
            keep = true;
            return 1;
        }
        finally
        {
            group.Dispose();
            BenchRoot.Cleanup(root, keep);
        }
    }

    private sealed record Row(double ElectedMs, double ReregisteredMs, double TasksKnownMs, double ResubscribedMs, double ReconciledMs, double FirstOfferMs,
        double LeaderRssMb, long ListenOverflows, long TermsPassed)
    {
        public string Line(int round, int killed) => FormattableString.Invariant(
            $"round {round}: killed m{killed}; elected {ElectedMs:F0} ms, agents re-registered {ReregisteredMs:F0} ms, tasks known {TasksKnownMs:F0} ms, framework re-subscribed {ResubscribedMs:F0} ms, reconciled {ReconciledMs:F0} ms, first offer {FirstOfferMs:F0} ms; new leader RSS {LeaderRssMb:F0} MB; accept-queue overflows (whole machine) +{ListenOverflows}; terms passed {TermsPassed}{(TermsPassed > 1 ? " (the leadership changed again during the round)" : "")}");
    }

    /// <summary>One kill of <paramref name="leader"/> (of <paramref name="term"/>) and the times until each part of the cluster is back.</summary>
    private static async Task<Row> RoundAsync(int round, MasterGroup group, MasterProcess leader, long term, AgentFleet fleet, ScaleFramework framework,
        int agentCount, int tasks, TimeSpan phase, CancellationToken token)
    {
        using var roundStop = CancellationTokenSource.CreateLinkedTokenSource(token);
        try
        {
            return await MeasureRoundAsync(round, group, leader, term, fleet, framework, agentCount, tasks, phase, roundStop.Token);
        }
        finally
        {
            await roundStop.CancelAsync(); // the survivors' poll, should the round have failed
        }
    }

    private static async Task<Row> MeasureRoundAsync(int round, MasterGroup group, MasterProcess leader, long term, AgentFleet fleet, ScaleFramework framework,
        int agentCount, int tasks, TimeSpan phase, CancellationToken token)
    {
        framework.Arm(term);
        var overflows = ProcStats.ListenOverflows();
        var killed = Stopwatch.GetTimestamp();
        leader.Kill();
        // Polled from the kill on: the first moment a survivor leads and knows every task (and the framework connected).
        var survivors = group.Masters.Where(m => m != leader).ToArray();
        LeaderSnapshot? lastSeen = null;
        var known = Task.Run(async () =>
        {
            await Poll.UntilAsync($"round {round}: a new leader knows {tasks} running tasks and the framework connected", async () =>
            {
                foreach (var m in survivors)
                    if (await LeaderSnapshot.TryReadAsync(m, token) is { } s && (lastSeen = s) is { TasksRunning: var n, FrameworksConnected: > 0 } && n >= tasks)
                        return true;
                return false;
            }, phase, () => lastSeen?.ToString() ?? "no leader's snapshot", TimeSpan.FromMilliseconds(25), token: token);
            return Stopwatch.GetTimestamp();
        }, token);

        var newLeader = await group.WaitForLeaderOtherThanAsync(leader, TimeSpan.FromSeconds(30), token);
        var elected = Stopwatch.GetElapsedTime(killed).TotalMilliseconds;
        await Poll.UntilAsync($"round {round}: all {agentCount} agents re-register with the new leader m{newLeader.Id}",
            () => fleet.RegisteredAbove(term).Count == agentCount || fleet.ShutDown is not null, phase, () => fleet.Describe(term),
            TimeSpan.FromMilliseconds(10), token: token);
        if (fleet.ShutDown is { } reason) throw new InvalidOperationException($"round {round}: an agent was shut down: {reason}");
        var reregistered = Ms(killed, fleet.RegisteredAbove(term).LastRegisteredAt);
        var tasksKnown = Ms(killed, await known);
        await Poll.UntilAsync($"round {round}: the framework's reconciliation answers every one of {tasks} tasks and it gets an offer from the new leader",
            () => framework.Failure is not null || framework.Round is { ReconciledAt: > 0, FirstOfferAt: > 0 }, phase,
            () => $"{framework.Round.Answered} tasks answered, first offer {(framework.Round.FirstOfferAt > 0 ? "received" : "not yet")}, re-subscribed: {framework.Round.ReregisteredAt > 0}",
            TimeSpan.FromMilliseconds(10), token: token);
        Fail(framework, fleet);
        var (firstOffer, resubscribed, reconciled, _) = framework.Round;
        var termNow = (await newLeader.TryStatusAsync(token))?.Term ?? term;
        return new Row(elected, reregistered, tasksKnown, Ms(killed, resubscribed), Ms(killed, reconciled), Ms(killed, firstOffer),
            Mb(ProcStats.ResidentKb(newLeader.Pid)), ProcStats.ListenOverflows() - overflows ?? -1, termNow - term);
    }

    private static void Fail(ScaleFramework framework, AgentFleet fleet)
    {
        if (framework.Failure is { } failure) throw new InvalidOperationException(failure);
        if (fleet.ShutDown is { } reason) throw new InvalidOperationException($"an agent was shut down: {reason}");
    }

    private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    private static double Mb(long? kb) => (kb ?? 0) / 1024.0;

    private static double Median(List<Row> rows, Func<Row, double> of) => Samples.Of(rows.Select(of)).Median;
}
