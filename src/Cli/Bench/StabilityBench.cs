using Mesos.HA.Protocol;
using System.Diagnostics;
using System.Text.Json;
using Mesos.HA.Cli.Local;
using Mesos.HA.SchedulerDriver;

namespace Mesos.HA.Cli.Bench;

/// <summary>
/// <c>mesos-ha bench stability --seconds S</c>: 3 masters and 2 agents on this machine with a
/// framework keeping short tasks running, and no fault injected. Watches who leads (every 100 ms) and
/// at the end reads each master's election counters. Any leader change is spurious. Prints
/// <c>RESULT stability seconds=S leader_changes=N elections_timeout=.. elections_step_down=.. elections_startup=.. candidacies=.. tasks_finished=..</c>
/// (election counters: the highest any master reports; candidacies: summed over the masters).
/// </summary>
internal static class StabilityBench
{
    public static async Task<int> RunAsync(ArgReader args, CancellationToken token)
    {
        var seconds = args.Int("seconds", 300, 1, 86_400);
        var concurrency = args.Int("concurrency", 8, 1, 1000);
        var keep = args.Flag("keep");
        var logLevel = args.Optional("master-log-level") ?? "Information";
        args.EnsureAllUsed();

        var root = BenchRoot.Create("stability");
        using var cluster = new LocalCluster(3, 2, root, logLevel, "cpus:4;mem:2048;disk:1024;ports:[31000-31099]");
        try
        {
            cluster.Start();
            var first = await cluster.Masters.WaitForLeaderAsync(TimeSpan.FromSeconds(60), token);
            await cluster.WaitForAgentsAsync(TimeSpan.FromSeconds(60), token);
            var scheduler = new SteadyScheduler(concurrency);
            await using var driver = new MesosSchedulerDriver(scheduler, new FrameworkInfo { Name = "stability" }, cluster.MasterAddresses);
            driver.Start();
            Console.WriteLine($"m{first.Id} leads; running tasks for {seconds} s");

            var changes = await WatchLeaderAsync(cluster.Masters, TimeSpan.FromSeconds(seconds), token);
            driver.Stop();
            var counters = await CountersAsync(cluster.Masters, token);
            long Max(string key) => counters.Max(c => c.GetValueOrDefault(key));
            Console.WriteLine(FormattableString.Invariant(
                $"RESULT stability seconds={seconds} leader_changes={changes} elections_timeout={Max("master/elections_timeout")} elections_step_down={Max("master/elections_step_down")} elections_startup={Max("master/elections_startup")} candidacies={counters.Sum(c => c.GetValueOrDefault("master/candidacies"))} tasks_finished={Volatile.Read(ref scheduler.Finished)}"));
            return 0;
        }
        finally
        {
            cluster.Dispose();
            BenchRoot.Cleanup(root, keep);
        }
    }

    /// <summary>Counts how often the leader's term changes while <paramref name="duration"/> runs; prints each change.</summary>
    private static async Task<int> WatchLeaderAsync(MasterGroup masters, TimeSpan duration, CancellationToken token)
    {
        var clock = Stopwatch.StartNew();
        long? term = null;
        var changes = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (clock.Elapsed < duration && await timer.WaitForNextTickAsync(token))
        {
            var statuses = await masters.StatusesAsync(token);
            var leader = statuses.Where(s => s.Status?.Role == "leader").MaxBy(s => s.Status!.Term);
            if (leader.Status is not { } status) continue;
            if (term is { } known && status.Term > known)
            {
                changes++;
                Console.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: leader changed to m{leader.Master.Id} in term {status.Term} (was term {known})");
            }
            if (term is null || status.Term > term) term = status.Term;
        }
        return changes;
    }

    private static async Task<Dictionary<string, long>[]> CountersAsync(MasterGroup masters, CancellationToken token) =>
        await Task.WhenAll(masters.Masters.Select(async m =>
        {
            try
            {
                using var json = JsonDocument.Parse(await MasterProcess.Client.GetStringAsync($"http://{m.HttpAddress}/metrics/snapshot", token));
                return json.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (long)p.Value.GetDouble());
            }
            catch (Exception e) when (NoAnswer.OrUnreadable(e))
            {
                return new Dictionary<string, long>();
            }
        }));
}
