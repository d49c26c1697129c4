using System.Diagnostics;
using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;

namespace Mesos.HA.Cli.Bench;

/// <summary>
/// <c>mesos-ha bench dns-failover</c>: three masters on 127.0.0.11-13, each answering DNS. Each round
/// SIGKILLs the leader and asks every survivor's DNS for <c>leader.mesos</c> every few milliseconds,
/// timing from the kill until every survivor names the same surviving master (the new leader), then
/// restarts the killed master and waits for the group to converge. Prints
/// <c>RESULT dns-failover rounds=.. min_ms=.. median_ms=.. max_ms=..</c> (and the election's share: the
/// time until the first survivor names it).
/// </summary>
internal static class DnsFailoverBench
{
    public static async Task<int> RunAsync(ArgReader args, CancellationToken token)
    {
        var rounds = args.Int("rounds", 10, 1, 1000);
        var keep = args.Flag("keep");
        args.EnsureAllUsed();
        var root = BenchRoot.Create("dns-failover");
        using var group = new MasterGroup(3, root, ["--log-level", "Warning"], addressing: new MasterAddressing(Distinct: true, DnsPort: 0));
        var all = new List<double>();
        var first = new List<double>();
        try
        {
            group.StartAll();
            var leader = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(60), token);
            var port = leader.DnsPort!.Value;
            for (var round = 1; round <= rounds; round++)
            {
                leader = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(30), token);
                await UntilEveryMasterNamesAsync(group.Masters, IPAddress.Parse(leader.Host), port, $"round {round}: before the kill", token);
                var survivors = group.Masters.Where(m => m != leader).ToArray();
                var clock = Stopwatch.StartNew();
                leader.Kill();
                var (firstMs, allMs, elected) = await UntilSurvivorsAgreeAsync(survivors, port, clock, round, token);
                first.Add(firstMs);
                all.Add(allMs);
                Console.WriteLine($"round {round}: killed m{leader.Id}; leader.mesos named {elected} on a survivor after {firstMs:F0} ms, on every survivor after {allMs:F0} ms");
                group.Start(leader);
                var next = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(30), token);
                var status = await next.TryStatusAsync(token);
                await group.WaitForConvergenceAsync(status?.CommitIndex ?? 0, TimeSpan.FromSeconds(60), token);
            }
        }
        finally
        {
            group.Dispose();
            BenchRoot.Cleanup(root, keep);
        }
        var stats = Samples.Of(all);
        var elections = Samples.Of(first);
        Console.WriteLine(FormattableString.Invariant(
            $"RESULT dns-failover rounds={all.Count} min_ms={stats.Min:F0} median_ms={stats.Median:F0} max_ms={stats.Max:F0} first_survivor_median_ms={elections.Median:F0}"));
        return 0;
    }

    private static async Task UntilEveryMasterNamesAsync(IReadOnlyList<MasterProcess> masters, IPAddress leader, int port, string phase, CancellationToken token)
    {
        string seen = "";
        await Poll.UntilAsync($"{phase}: every master's leader.mesos names {leader}", async () =>
        {
            var answers = await Task.WhenAll(masters.Select(m => LeaderOfAsync(m.Host, port, token)));
            seen = string.Join(", ", answers.Select(a => a?.ToString() ?? "none"));
            return answers.All(a => leader.Equals(a));
        }, TimeSpan.FromSeconds(30), () => seen, token: token);
    }

    private static async Task<(double FirstMs, double AllMs, IPAddress Elected)> UntilSurvivorsAgreeAsync(MasterProcess[] survivors, int port,
        Stopwatch clock, int round, CancellationToken token)
    {
        var hosts = survivors.Select(s => IPAddress.Parse(s.Host)).ToHashSet();
        double? firstMs = null;
        var seen = "";
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            var answers = await Task.WhenAll(survivors.Select(s => LeaderOfAsync(s.Host, port, token)));
            var elapsed = clock.Elapsed.TotalMilliseconds;
            if (firstMs is null && answers.Any(a => a is not null && hosts.Contains(a))) firstMs = elapsed;
            if (answers[0] is { } elected && hosts.Contains(elected) && answers.All(a => elected.Equals(a))) return (firstMs ?? elapsed, elapsed, elected);
            seen = string.Join(", ", answers.Select(a => a?.ToString() ?? "none"));
            await Task.Delay(5, token);
        }
        throw new TimeoutException($"round {round}: the survivors' leader.mesos did not agree on a survivor within 30 s (last seen: {seen})");
    }

    private static async Task<IPAddress?> LeaderOfAsync(string host, int port, CancellationToken token)
    {
        using var client = new DnsClient([IPAddress.Parse(host)], [new UdpClientTransport(port)], disposeTransport: true, queryTimeout: 200);
        var answer = await client.ResolveAsync(DomainName.Parse("leader.mesos"), RecordType.A, RecordClass.INet, null, token);
        return answer?.AnswerRecords.OfType<ARecord>().FirstOrDefault()?.Address;
    }
}
