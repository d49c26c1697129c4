using Mesos.HA.Protocol;
using System.Diagnostics;
using System.Text.Json;
using Mesos.HA.Cli.Local;

namespace Mesos.HA.Cli.Bench;

/// <summary>
/// <c>mesos-ha bench startup --runs N [--settle-ms M]</c>: starts a fresh 3-master group N times, waits
/// for an agreed leader and then <c>--settle-ms</c> more, and reads each master's election counters.
/// A start-up without faults should see exactly one leader term: anything more is a spurious election.
/// Prints one line per run and <c>RESULT startup runs=.. clean_runs=.. extra_elections=.. candidacies=.. lease_expiries=.. leader_quiet=..</c>
/// (extra elections: timeout elections summed over the runs, the highest any master reports in each;
/// the last two count log lines of the lease watcher and the quiet-leader detector).
/// </summary>
internal static class StartupBench
{
    public static async Task<int> RunAsync(ArgReader args, CancellationToken token)
    {
        var runs = args.Int("runs", 10, 1, 1000);
        var settle = TimeSpan.FromMilliseconds(args.Int("settle-ms", 3000, 0, 600_000));
        var masters = args.Int("masters", 3, 1, 7);
        var keep = args.Flag("keep");
        var extra = args.Optional("master-args")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        args.EnsureAllUsed();

        int clean = 0, extraElections = 0, candidacies = 0, leaseExpiries = 0, quiet = 0;
        for (var run = 1; run <= runs; run++)
        {
            var root = BenchRoot.Create("startup");
            var group = new MasterGroup(masters, root, ["--log-level", "Information", .. extra]);
            try
            {
                var clock = Stopwatch.StartNew();
                group.StartAll();
                var leader = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(60), token);
                var elected = clock.Elapsed;
                await Task.Delay(settle, token);
                var counters = await Task.WhenAll(group.Masters.Select(m => CountersAsync(m, token)));
                var timeouts = (int)counters.Max(c => c.GetValueOrDefault("master/elections_timeout"));
                var stepDowns = (int)counters.Max(c => c.GetValueOrDefault("master/elections_step_down"));
                var stood = (int)counters.Sum(c => c.GetValueOrDefault("master/candidacies"));
                var slowRounds = counters.Sum(c => c.GetValueOrDefault("master/raft_slow_heartbeat_rounds"));
                var slowFlushes = counters.Sum(c => c.GetValueOrDefault("master/raft_slow_log_flushes"));
                var term = (await group.StatusesAsync(token)).Max(s => s.Status?.Term ?? 0);
                group.Dispose();
                var logs = group.Masters.Select(m => File.Exists(m.LogFile) ? File.ReadAllText(m.LogFile) : "").ToArray();
                var expiries = logs.Sum(l => Count(l, "Leader lease expired"));
                var quiets = logs.Sum(l => Count(l, "No message from leader"));
                if (timeouts + stepDowns == 0) clean++;
                extraElections += timeouts + stepDowns;
                candidacies += stood;
                leaseExpiries += expiries;
                quiet += quiets;
                Console.WriteLine(FormattableString.Invariant(
                    $"run {run}: m{leader.Id} leads after {elected.TotalMilliseconds:F0} ms; term {term}; timeout elections {timeouts}; step-downs {stepDowns}; candidacies {stood}; lease expiries {expiries}; leader-quiet {quiets}; slow rounds {slowRounds}; slow flushes {slowFlushes}"));
            }
            finally
            {
                group.Dispose();
                BenchRoot.Cleanup(root, keep);
            }
        }
        Console.WriteLine(FormattableString.Invariant(
            $"RESULT startup runs={runs} clean_runs={clean} extra_elections={extraElections} candidacies={candidacies} lease_expiries={leaseExpiries} leader_quiet={quiet}"));
        return 0;
    }

    private static int Count(string text, string what)
    {
        var n = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    private static async Task<Dictionary<string, long>> CountersAsync(MasterProcess master, CancellationToken token)
    {
        try
        {
            using var json = JsonDocument.Parse(await MasterProcess.Client.GetStringAsync($"http://{master.HttpAddress}/metrics/snapshot", token));
            return json.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (long)p.Value.GetDouble());
        }
        catch (Exception e) when (NoAnswer.OrUnreadable(e))
        {
            return [];
        }
    }
}
