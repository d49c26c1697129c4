using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Mesos.HA.Cli.Local;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Chaos.Tests;

/// <summary>
/// Seeded chaos against real master processes: while a client writes, a nemesis kills the leader
/// (SIGKILL, then restarts it) or pauses it past the election timeout (SIGSTOP/SIGCONT). Afterwards:
/// every acknowledged write is in the registry, all masters hold the same registry, and no term
/// ever had two leaders. CHAOS_ROUNDS and CHAOS_SEED override the smoke defaults.
/// </summary>
public sealed class LeaderChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task LeaderKillsAndPauses_UnderWrites_LoseNoAcknowledgedWrite()
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("CHAOS_ROUNDS"), out var r) ? r : 4;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CHAOS_SEED"), out var s) ? s : Environment.TickCount;
        output.WriteLine($"seed {seed}, rounds {rounds} (replay with CHAOS_SEED={seed} CHAOS_ROUNDS={rounds})");
        var random = new Random(seed);
        var root = Path.Combine(Path.GetTempPath(), "mesos-ha-chaos", $"leader-{seed}-{Guid.NewGuid():N}"[..40]);
        using var group = new MasterGroup(3, root, ["--log-level", "Warning"]);
        var acknowledged = new ConcurrentDictionary<string, double>();
        var acks = new StrongBox<long>();
        var leadersByTerm = new ConcurrentDictionary<long, ConcurrentDictionary<string, byte>>();
        var failovers = new List<double>();
        var faults = new List<string>();
        using var stop = new CancellationTokenSource();
        try
        {
            group.StartAll();
            await group.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
            var writer = Task.Run(() => WriteLoopAsync(group, acknowledged, acks, stop.Token));
            var observer = Task.Run(() => ObserveLeadersAsync(group, leadersByTerm, stop.Token));

            for (var round = 1; round <= rounds; round++)
            {
                // Heal first: every master up, answering and caught up, so each fault hits a whole group
                // (killing a leader while the last victim is still booting would leave no majority).
                var leader = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
                var healthy = await leader.TryStatusAsync();
                await group.WaitForConvergenceAsync(healthy?.CommitIndex ?? 0, TimeSpan.FromSeconds(60));
                leader = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
                var before = Volatile.Read(ref acks.Value);
                var clock = Stopwatch.StartNew();
                if (random.Next(3) == 0)
                {
                    faults.Add($"round {round}: pause m{leader.Id}");
                    leader.Pause();
                    await group.WaitForLeaderOtherThanAsync(leader, TimeSpan.FromSeconds(30));
                    failovers.Add(clock.Elapsed.TotalMilliseconds);
                    faults[^1] += $" -> new leader after {clock.ElapsedMilliseconds} ms";
                    leader.Resume();
                }
                else
                {
                    faults.Add($"round {round}: kill m{leader.Id}");
                    leader.Kill();
                    await group.WaitForLeaderOtherThanAsync(leader, TimeSpan.FromSeconds(30));
                    failovers.Add(clock.Elapsed.TotalMilliseconds);
                    faults[^1] += $" -> new leader after {clock.ElapsedMilliseconds} ms";
                    group.Start(leader);
                }
                // Progress: the writer must get writes through the new leader before the next fault.
                try
                {
                    await PollAsync($"round {round}: writes resume", () => Volatile.Read(ref acks.Value) > before + 5);
                }
                catch (TimeoutException e)
                {
                    var seen = await group.StatusesAsync();
                    throw new TimeoutException(e.Message + $" (acknowledged {Volatile.Read(ref acks.Value)}, before {before}); masters: " + string.Join("; ",
                        seen.Select(x => x.Status is { } st ? $"m{x.Master.Id} {st.Role} term {st.Term} leader {st.LeaderRaft} applied {st.AppliedIndex} commit {st.CommitIndex}" : $"m{x.Master.Id} silent")), e);
                }
            }

            await stop.CancelAsync();
            await writer;
            await observer;
            var leaderNow = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
            var status = await leaderNow.TryStatusAsync() ?? throw new InvalidOperationException("leader silent");
            await group.WaitForConvergenceAsync(status.CommitIndex, TimeSpan.FromSeconds(60));
            var weights = await MasterGroup.TryReadWeightsAsync(leaderNow) ?? throw new InvalidOperationException("read failed");
            var stored = weights.ToDictionary(w => w.Role, w => w.Weight);

            var lost = acknowledged.Where(a => !stored.TryGetValue(a.Key, out var w) || w != a.Value).Select(a => a.Key).ToArray();
            var doubleLeaders = leadersByTerm.Where(t => t.Value.Count > 1).Select(t => $"term {t.Key}: {string.Join(",", t.Value.Keys)}").ToArray();
            failovers.Sort();
            output.WriteLine(string.Join("\n", faults));
            output.WriteLine($"acknowledged writes {acks.Value} over {acknowledged.Count} roles, stored roles {stored.Count}, lost {lost.Length}");
            output.WriteLine($"failover ms min {failovers[0]:F0} median {failovers[failovers.Count / 2]:F0} max {failovers[^1]:F0}");
            output.WriteLine($"terms observed {leadersByTerm.Count}, terms with two leaders {doubleLeaders.Length}");
            Assert.True(lost.Length == 0, $"seed {seed}: acknowledged writes lost: {string.Join(",", lost.Take(20))}");
            Assert.True(doubleLeaders.Length == 0, $"seed {seed}: two leaders in one term: {string.Join("; ", doubleLeaders)}");
            var journals = Checkers.LeaderHistory.FromJournals(group.Masters.Select(m => ($"m{m.Id}", Path.Combine(m.DataDirectory, Mesos.HA.Replication.LeadershipJournal.FileName))))
                .AtMostOneLeaderPerTerm();
            output.WriteLine($"journals: {journals}");
            Assert.True(journals.Holds, $"seed {seed}: {journals}");
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var m in group.Masters) if (m.IsRunning) try { m.Resume(); } catch (InvalidOperationException) { }
            group.Dispose();
            if (Environment.GetEnvironmentVariable("MESOS_HA_KEEP_TEST_DATA") == "1") output.WriteLine($"kept {root}");
            else try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// Writes distinct roles one at a time, retrying each (it is idempotent) through whoever answers
    /// until it is acknowledged; records only acknowledged ones. Bounded: stops when told to, or
    /// after two million attempts.
    /// </summary>
    private static async Task WriteLoopAsync(MasterGroup group, ConcurrentDictionary<string, double> acknowledged, StrongBox<long> acks,
        CancellationToken token)
    {
        var attempts = 0;
        for (var n = 0; !token.IsCancellationRequested; n++)
        {
            // Roles are reused (the registry holds at most 10,000 weighted roles); a role's last write
            // is always acknowledged before the next begins, so the registry must end with it.
            var role = $"chaos/w{n % 4000}";
            var weight = 2 + n % 97;
            var written = false;
            while (!written && !token.IsCancellationRequested)
            {
                foreach (var master in group.Masters.Where(m => m.IsRunning))
                {
                    if (++attempts > 2_000_000 || token.IsCancellationRequested) return;
                    if (await MasterGroup.TryWriteWeightAsync(master, role, weight, TimeSpan.FromSeconds(1)) == 200)
                    {
                        acknowledged[role] = weight;
                        Interlocked.Increment(ref acks.Value);
                        written = true;
                        break;
                    }
                }
                if (!written) await Task.Delay(5, CancellationToken.None);
            }
        }
    }

    private static async Task ObserveLeadersAsync(MasterGroup group, ConcurrentDictionary<long, ConcurrentDictionary<string, byte>> leadersByTerm,
        CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            foreach (var (master, status) in await group.StatusesAsync(token))
                if (status is { Role: "leader" })
                    leadersByTerm.GetOrAdd(status.Term, _ => new())[master.RaftAddress] = 0;
            try { await Task.Delay(10, token); } catch (OperationCanceledException) { }
        }
    }

    private static async Task PollAsync(string phase, Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (condition()) return;
            await Task.Delay(10);
        }
        throw new TimeoutException($"{phase}: gave up after 30 s");
    }
}
