using System.Globalization;
using System.Net.Http.Json;
using Mesos.HA.Cli.Local;
using Mesos.HA.Master;

namespace Mesos.HA.Cli.Bench;

/// <summary>
/// <c>mesos-ha bench replication</c>: starts the masters as separate processes with durable logs,
/// runs W closed-loop writers of ~200-byte registry commands inside the leader for S seconds, and
/// prints <c>RESULT replication masters=.. writers=.. ops_per_sec=.. p50_ms=.. p99_ms=..</c>.
/// </summary>
internal static class ReplicationBench
{
    public static async Task<int> RunAsync(ArgReader args, CancellationToken token)
    {
        var masters = args.Int("masters", 3, 1, 7);
        var writers = args.Int("writers", 1, 1, 1024);
        var seconds = args.Int("seconds", 10, 1, 600);
        var warmup = args.Int("warmup-seconds", 2, 0, 60);
        var keep = args.Flag("keep");
        args.EnsureAllUsed();

        var root = BenchRoot.Create("replication");
        using var group = new MasterGroup(masters, root, ["--enable-bench", "--log-level", "Warning"]);
        try
        {
            group.StartAll();
            var leader = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(60), token);
            Console.WriteLine($"masters={masters} leader=m{leader.Id} writers={writers} seconds={seconds} (warm-up {warmup}s)");
            if (warmup > 0) await RunLoadAsync(leader, writers, warmup, token);
            var result = await RunLoadAsync(leader, writers, seconds, token);
            Console.WriteLine($"ops={result.Ops} errors={result.Errors} command_bytes={result.CommandBytes} seconds={result.Seconds:F2}");
            if (result.Errors > 0)
            {
                // A figure from a run where proposals failed (leadership moved, a master faulted) measures something else.
                Console.Error.WriteLine($"bench replication: {result.Errors} proposals failed; no result");
                return 1;
            }
            Console.WriteLine(FormattableString.Invariant(
                $"RESULT replication masters={masters} writers={writers} ops_per_sec={result.OpsPerSec:F0} p50_ms={result.P50Ms:F2} p99_ms={result.P99Ms:F2}"));
            return 0;
        }
        catch (InvalidOperationException e)
        {
            // The leader moved or faulted before the load ran: no figure, and a one-line reason.
            Console.Error.WriteLine($"bench replication: {e.Message}; no result");
            return 1;
        }
        finally
        {
            group.Dispose();
            BenchRoot.Cleanup(root, keep);
        }
    }

    private static async Task<ReplicationBenchDto> RunLoadAsync(MasterProcess leader, int writers, int seconds, CancellationToken token)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(seconds + 60) };
        var url = string.Create(CultureInfo.InvariantCulture, $"http://{leader.HttpAddress}/bench/replication?writers={writers}&seconds={seconds}&commandBytes=200");
        using var response = await client.PostAsync(url, null, token);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"leader answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}");
        return await response.Content.ReadFromJsonAsync(MasterJsonContext.Default.ReplicationBenchDto, token)
            ?? throw new InvalidOperationException("empty bench result");
    }
}
