using System.Diagnostics;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;

namespace Mesos.HA.Cli.Bench;

/// <summary>
/// <c>mesos-ha bench failover [--fault kill|pause|partition]</c>: each round injects the fault into
/// the leader (SIGKILL; SIGSTOP; or cutting its network namespace off from the other masters),
/// measures the time until a registry write commits through a survivor, then repairs the fault
/// (restart on its data directory; SIGCONT; heal the link) and waits until the group has converged
/// again. Prints <c>RESULT failover fault=.. masters=.. rounds=.. min_ms=.. median_ms=.. max_ms=..</c>.
/// Where network namespaces cannot be made, the partition run says why and exits 0 without a RESULT.
/// <c>--master-args "..."</c> passes further options to every master (e.g. <c>--connect-timeout-ms 150</c>).
/// <c>--secure</c> / <c>--compare-secure</c>: in secure mode, or both (<see cref="SecurityModes"/>).
/// </summary>
internal static class FailoverBench
{
    public static async Task<int> RunAsync(ArgReader args, CancellationToken token)
    {
        var masters = args.Int("masters", 3, 3, 7);
        var rounds = args.Int("rounds", 10, 1, 1000);
        var fault = args.Optional("fault") ?? "kill";
        var keep = args.Flag("keep");
        var timing = args.Optional("election-timeout-ms");
        var logLevel = args.Optional("master-log-level") ?? "Warning";
        var masterArgs = args.Optional("master-args")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        var modes = SecurityModes.Of(args);
        args.EnsureAllUsed();
        if (fault is not ("kill" or "pause" or "partition")) throw new UsageException("--fault must be kill, pause or partition");
        string[] extra = timing is null ? ["--log-level", logLevel, .. masterArgs] : ["--log-level", logLevel, "--election-timeout-ms", timing, .. masterArgs];
        var medians = new List<double>();
        foreach (var secure in modes)
        {
            if (await MeasureAsync(fault, masters, rounds, extra, secure, keep, token) is not { } stats) return 0;
            var mode = modes.Length > 1 || secure ? $" mode={SecurityModes.Name(secure)}" : "";
            Console.WriteLine(FormattableString.Invariant(
                $"RESULT failover fault={fault} masters={masters} rounds={rounds}{mode} min_ms={stats.Min:F0} median_ms={stats.Median:F0} max_ms={stats.Max:F0}"));
            medians.Add(stats.Median);
        }
        if (medians.Count == 2) Console.WriteLine(SecurityModes.Overhead("failover", medians[0], medians[1], lowerIsBetter: true));
        return 0;
    }

    /// <summary>One run of <paramref name="rounds"/> faults; null when the fault cannot be made here (said why).</summary>
    private static async Task<Samples?> MeasureAsync(string fault, int masters, int rounds, string[] extra, bool secure, bool keep,
        CancellationToken token)
    {
        NetworkLab? lab = null;
        if (fault == "partition" && (lab = NetworkLab.TryCreate(masters, out var reason)) is null)
        {
            Console.WriteLine($"failover fault=partition skipped: network namespaces cannot be made here ({reason})");
            return null;
        }
        var root = BenchRoot.Create($"failover-{fault}-{SecurityModes.Name(secure)}");
        using var security = SecurityModes.Create(secure, root);
        var group = lab is null
            ? new MasterGroup(masters, root, extra, security)
            : new MasterGroup(root, Enumerable.Range(1, masters).Select(i => new MasterProcess(i, 7001, 5050,
                Path.Combine(root, $"master-{i}"), Path.Combine(root, $"master-{i}.log"), lab.AddressOf(i), lab.Launcher(i), security)).ToArray(), extra);
        var injector = new FaultInjector(fault, group, lab);
        var samples = new List<double>();
        try
        {
            group.StartAll();
            var leader = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(60), token);
            for (var round = 1; round <= rounds; round++)
            {
                // A committed write before the fault proves the group is healthy and warms every connection.
                leader = await WriteBeforeFaultAsync(group, round, token);
                var survivors = group.Masters.Where(m => m != leader).ToArray();
                var clock = Stopwatch.StartNew();
                Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {fault} m{leader.Id}");
                injector.Inject(leader);
                var (writer, elapsed) = await WriteThroughAnySurvivorAsync(survivors, round, clock, token);
                samples.Add(elapsed);
                Console.WriteLine($"round {round}: {fault} m{leader.Id}; write committed through m{writer.Id} after {elapsed:F0} ms");
                injector.Repair();
                leader = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(30), token);
                var status = await leader.TryStatusAsync(token);
                await group.WaitForConvergenceAsync(status?.CommitIndex ?? 0, TimeSpan.FromSeconds(60), token);
            }
            return Samples.Of(samples);
        }
        finally
        {
            injector.Repair();
            group.Dispose();
            lab?.Dispose();
            BenchRoot.Cleanup(root, keep);
        }
    }

    /// <summary>Commits a write through whoever leads (retrying if leadership moves meanwhile) and returns that leader.</summary>
    private static async Task<MasterProcess> WriteBeforeFaultAsync(MasterGroup group, int round, CancellationToken token)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var leader = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(30), token);
            if (await MasterGroup.TryWriteWeightAsync(leader, "bench/before", round + 1, TimeSpan.FromSeconds(5), token) == 200) return leader;
            Console.Error.WriteLine($"round {round}: the leader m{leader.Id} did not accept a write before the fault; asking again");
        }
        throw new TimeoutException($"round {round}: no leader accepted a write before the fault");
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

    /// <summary>Injects one fault into a master and repairs it; remembers what it did so a failing run still repairs.</summary>
    private sealed class FaultInjector(string fault, MasterGroup group, NetworkLab? lab)
    {
        private MasterProcess? victim;

        public void Inject(MasterProcess master)
        {
            victim = master;
            switch (fault)
            {
                case "kill": master.Kill(); break;
                case "pause": master.Pause(); break;
                default: lab!.Cut(master.Id); break;
            }
        }

        /// <summary>Restarts the killed master, resumes the paused one (SIGCONT) or heals the cut link; no-op when nothing is injected.</summary>
        public void Repair()
        {
            if (victim is not { } master) return;
            victim = null;
            switch (fault)
            {
                case "kill": if (!master.IsRunning) group.Start(master); break;
                case "pause": if (master.IsRunning) master.Resume(); break;
                default: lab!.Heal(master.Id); break;
            }
        }
    }
}
