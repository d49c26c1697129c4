using System.Diagnostics;
using Mesos.HA.Cli.Local;

namespace Mesos.HA.Cli.Bench;

/// <summary>
/// <c>mesos-ha bench failover</c>: each round kills the leader process with SIGKILL, measures the
/// time until a registry write commits through a survivor, then restarts the killed master on its
/// data directory and waits until the group has converged again. Prints
/// <c>RESULT failover masters=.. rounds=.. min_ms=.. median_ms=.. max_ms=..</c>.
/// </summary>
internal static class FailoverBench
{
    public static async Task<int> RunAsync(ArgReader args, CancellationToken token)
    {
        var masters = args.Int("masters", 3, 3, 7);
        var rounds = args.Int("rounds", 10, 1, 1000);
        var keep = args.Flag("keep");
        var timing = args.Optional("election-timeout-ms");
        var logLevel = args.Optional("master-log-level") ?? "Warning";
        args.EnsureAllUsed();

        var root = BenchRoot.Create("failover");
        string[] extra = timing is null ? ["--log-level", logLevel] : ["--log-level", logLevel, "--election-timeout-ms", timing];
        using var group = new MasterGroup(masters, root, extra);
        var samples = new List<double>();
        try
        {
            group.StartAll();
            var leader = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(60), token);
            for (var round = 1; round <= rounds; round++)
            {
                // A committed write before the kill proves the group is healthy and warms every connection.
                if (await MasterGroup.TryWriteWeightAsync(leader, "bench/before", round + 1, TimeSpan.FromSeconds(5), token) != 200)
                    throw new InvalidOperationException($"round {round}: the leader m{leader.Id} did not accept a write before the kill");
                var survivors = group.Masters.Where(m => m != leader).ToArray();
                var clock = Stopwatch.StartNew();
                Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} killing m{leader.Id}");
                leader.Kill();
                var (writer, elapsed) = await WriteThroughAnySurvivorAsync(survivors, round, clock, token);
                samples.Add(elapsed);
                Console.WriteLine($"round {round}: killed m{leader.Id}; write committed through m{writer.Id} after {elapsed:F0} ms");
                group.Start(leader);
                leader = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(30), token);
                var status = await leader.TryStatusAsync(token);
                await group.WaitForConvergenceAsync(status?.CommitIndex ?? 0, TimeSpan.FromSeconds(60), token);
            }
            samples.Sort();
            var median = samples.Count % 2 == 1 ? samples[samples.Count / 2] : (samples[samples.Count / 2 - 1] + samples[samples.Count / 2]) / 2;
            Console.WriteLine(FormattableString.Invariant(
                $"RESULT failover masters={masters} rounds={rounds} min_ms={samples[0]:F0} median_ms={median:F0} max_ms={samples[^1]:F0}"));
            return 0;
        }
        finally
        {
            group.Dispose();
            BenchRoot.Cleanup(root, keep);
        }
    }

    /// <summary>Tries every survivor in turn until one commits the write; each attempt is bounded so a dead or stale master cannot stall the loop.</summary>
    private static async Task<(MasterProcess Writer, double ElapsedMs)> WriteThroughAnySurvivorAsync(
        MasterProcess[] survivors, int round, Stopwatch clock, CancellationToken token)
    {
        var deadline = TimeSpan.FromSeconds(30);
        while (clock.Elapsed < deadline)
        {
            foreach (var survivor in survivors)
            {
                var code = await MasterGroup.TryWriteWeightAsync(survivor, "bench/after", round + 1, TimeSpan.FromMilliseconds(500), token);
                if (code == 200) return (survivor, clock.Elapsed.TotalMilliseconds);
            }
            await Task.Delay(2, token);
        }
        throw new TimeoutException($"round {round}: no survivor committed a write within {deadline}");
    }
}
