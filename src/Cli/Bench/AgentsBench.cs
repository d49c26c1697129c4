using System.Diagnostics;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;

namespace Mesos.HA.Cli.Bench;

/// <summary>
/// <c>mesos-ha bench agents --agents A --seconds S</c>: one master (the leader of a 1-master group)
/// holding A <see cref="FollowingAgent"/>s of this process (no tasks; pings both ways, as the protocol
/// has them) for S seconds once all are registered. Measures the leader's CPU over the window (utime +
/// stime from /proc, as % of one core) and its resident memory, in all and per agent (above what it
/// held before the first agent came). Prints
/// <c>RESULT agents held=A seconds=S leader_cpu_pct=X leader_mb=Y kb_per_agent=Z</c>, where held is
/// the agents still connected at the end of the window.
/// </summary>
internal static class AgentsBench
{
    public static async Task<int> RunAsync(ArgReader args, CancellationToken token)
    {
        var agentCount = args.Int("agents", 10_000, 1, 200_000);
        var seconds = args.Int("seconds", 30, 1, 3600);
        var seed = args.Int("seed", Environment.TickCount & 0xffff, 0);
        var keep = args.Flag("keep"); // also set when the run fails: the logs are the diagnosis
        var logLevel = args.Optional("log-level") ?? "Warning";
        var masterArgs = args.Optional("master-args")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        args.EnsureAllUsed();
        Console.WriteLine($"agents: {agentCount} agents for {seconds} s, seed {seed}, load average {ProcStats.LoadAverage()}{(masterArgs.Length > 0 ? $", masters with {string.Join(' ', masterArgs)}" : "")}");

        var root = BenchRoot.Create("agents");
        using var group = new MasterGroup(1, root, ["--log-level", logLevel, .. masterArgs]);
        try
        {
            group.StartAll();
            var leader = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(60), token);
            await Task.Delay(TimeSpan.FromSeconds(2), token); // the master's start-up work settles before the baseline
            var baselineKb = ProcStats.ResidentKb(leader.Pid) ?? 0;
            await using var fleet = new AgentFleet(agentCount, "cpus:8;mem:16384", [leader.HttpAddress], seed);
            var setup = Stopwatch.StartNew();
            await fleet.StartAsync(leader.HttpAddress, 500, TimeSpan.FromSeconds(60), token);
            var registrations = setup.Elapsed;
            Console.WriteLine(FormattableString.Invariant(
                $"{agentCount} agents registered in {registrations.TotalSeconds:F1} s ({agentCount / registrations.TotalSeconds:F0}/s); leader RSS {baselineKb / 1024.0:F0} MB before, {(ProcStats.ResidentKb(leader.Pid) ?? 0) / 1024.0:F0} MB now"));

            var benchCpu = Process.GetCurrentProcess().TotalProcessorTime;
            var cpu = ProcStats.CpuSeconds(leader.Pid) ?? throw new InvalidOperationException("the leader is gone");
            var window = Stopwatch.StartNew();
            var lowest = agentCount;
            while (window.Elapsed < TimeSpan.FromSeconds(seconds))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), token);
                lowest = Math.Min(lowest, fleet.Connected);
                if (!leader.IsRunning) throw new InvalidOperationException($"the leader exited during the window; see {leader.LogFile}");
            }
            var used = (ProcStats.CpuSeconds(leader.Pid) ?? cpu) - cpu;
            var elapsed = window.Elapsed.TotalSeconds;
            var rssKb = ProcStats.ResidentKb(leader.Pid) ?? 0;
            var snapshot = await LeaderSnapshot.TryReadAsync(leader, token);
            var held = fleet.Connected;
            var benchPct = (Process.GetCurrentProcess().TotalProcessorTime - benchCpu).TotalSeconds / elapsed * 100;
            Console.WriteLine(FormattableString.Invariant(
                $"window {elapsed:F1} s: leader CPU {used:F2} s; fewest agents connected {lowest}; the leader counts {snapshot?.ToString() ?? "nothing (no snapshot)"}; this process {benchPct:F0}% of a core; {fleet.FailedAttempts} failed attempts"));
            Console.WriteLine(FormattableString.Invariant(
                $"RESULT agents held={held} seconds={seconds} leader_cpu_pct={used / elapsed * 100:F1} leader_mb={rssKb / 1024.0:F0} kb_per_agent={(rssKb - baselineKb) / (double)agentCount:F1}"));
            Console.WriteLine($"load average {ProcStats.LoadAverage()}");
            return held == agentCount ? 0 : 1;
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            // A bounded wait gave up or the cluster broke the run: say which and where, no figure.
            Console.WriteLine($"FAILED agents: {e.Message} (load average {ProcStats.LoadAverage()}; masters' logs in {root}{(keep ? "" : ", kept")})");
            keep = true;
            return 1;
        }
        finally
        {
            group.Dispose();
            BenchRoot.Cleanup(root, keep);
        }
    }
}
