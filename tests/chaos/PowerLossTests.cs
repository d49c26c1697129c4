using System.Diagnostics;
using Mesos.HA.Cli.Local;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Chaos.Tests;

/// <summary>
/// Whole-cluster power loss: three masters whose write-ahead logs lose every page not yet flushed
/// when the process dies (<c>--emulate-power-loss</c>), 64 writers, then SIGKILL to all three at the
/// same instant (followers first: the leader may still acknowledge what they answered but had not
/// flushed, as when power fails a little earlier on some machines). The two former followers come
/// back first and elect a leader among themselves, then the old leader. Every acknowledged write must
/// be there at each step. POWER_LOSS_ROUNDS overrides the default of 2 rounds (the chaos runs use many).
/// </summary>
/// <remarks>
/// Issue 11, found by the long runs (POWER_LOSS_ROUNDS=12, around round 10): the old leader came back
/// with a registry that differed from the others' at the same applied index, because followers
/// acknowledged entries before flushing them and the leader committed and applied one that the
/// majority then lost. Followers now flush before they answer (<c>FlushBeforeAckLog</c>); every run
/// compares whole copies, and no master may have had to reinstall its registry
/// (<c>state_reinstalls</c>, the recovery that would hide a lost committed entry).
/// </remarks>
public sealed class PowerLossTests(ITestOutputHelper output)
{
    private const int Writers = 64;
    private const int MinAcknowledgedPerRound = 64;
    private const int MaxWriteAttemptsPerRound = 3;

    [Fact]
    public async Task WholeClusterPowerLoss_FollowersElectFirst_EveryAcknowledgedWriteSurvives()
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("POWER_LOSS_ROUNDS"), out var r) ? r : 2;
        var root = Path.Combine(Path.GetTempPath(), "mesos-ha-chaos", $"power-loss-{Guid.NewGuid():N}"[..30]);
        using var group = new MasterGroup(3, root, ["--log-level", "Warning", "--emulate-power-loss"]);
        var acknowledged = new double[Writers];
        var next = new double[Writers];
        var passed = false;
        try
        {
            group.StartAll();
            for (var round = 1; round <= rounds; round++)
            {
                MasterProcess leader;
                MasterProcess[] followers;
                long acks;
                for (var attempt = 1; ; attempt++)
                {
                    leader = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
                    followers = group.Masters.Where(m => m != leader).ToArray();
                    acks = await WriteThenKillAllAsync(leader, followers, acknowledged, next);
                    if (acks >= MinAcknowledgedPerRound || attempt == MaxWriteAttemptsPerRound) break;
                    // An election under load (a lapsed leader lease) leaves the writers talking to a former leader.
                    output.WriteLine($"round {round}: m{leader.Id} acknowledged only {acks} writes in time (leadership moved?); writing through whoever leads now");
                }
                output.WriteLine($"round {round}: m{leader.Id} led; {acks} writes acknowledged before all three were killed");
                Assert.True(acks >= MinAcknowledgedPerRound,
                    $"round {round}: only {acks} writes were acknowledged before the power loss; the round proves nothing");

                foreach (var follower in followers) group.Start(follower);
                var newLeader = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
                Assert.Contains(newLeader, followers);
                var afterFollowers = await ReadAsync(group, "the former followers' leader");
                AssertAllAcknowledged(acknowledged, afterFollowers, $"round {round}, after m{newLeader.Id} was elected by the former followers");

                group.Start(leader);
                var status = await newLeader.TryStatusAsync() ?? throw new InvalidOperationException($"m{newLeader.Id} stopped answering");
                var digest = await group.WaitForConvergenceAsync(status.CommitIndex, TimeSpan.FromSeconds(60));
                var statuses = await group.StatusesAsync();
                output.WriteLine($"round {round}: all three converged at index {status.CommitIndex} or later, digest {digest}; " +
                    string.Join(", ", statuses.Select(s => $"m{s.Master.Id} applied {s.Status?.AppliedIndex} reinstalls {s.Status?.StateReinstalls}")));
                Assert.All(statuses, s => Assert.True(s.Status is { StateReinstalls: 0 },
                    $"round {round}: m{s.Master.Id} reinstalled its registry from the leader: it had applied an entry the group lost"));
                foreach (var master in group.Masters)
                    AssertAllAcknowledged(acknowledged, await ReadLocalAsync(master), $"round {round}, m{master.Id}'s own copy after the old leader returned");
            }
            passed = true;
        }
        finally
        {
            group.Dispose();
            foreach (var m in group.Masters.Where(m => File.Exists(m.LogFile) && !passed))
                foreach (var line in File.ReadLines(m.LogFile).TakeLast(30)) output.WriteLine($"m{m.Id}: {line}");
            if (passed && Environment.GetEnvironmentVariable("MESOS_HA_KEEP_TEST_DATA") != "1")
                try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// 64 closed-loop writers, each on its own role with ever larger weights, until enough writes were
    /// acknowledged (bounded by time); then SIGKILL to both followers and the leader back to back, unless
    /// fewer than <see cref="MinAcknowledgedPerRound"/> were: then the writers stop and nothing is killed.
    /// Returns how many writes were acknowledged.
    /// </summary>
    private static async Task<long> WriteThenKillAllAsync(MasterProcess leader, MasterProcess[] followers,
        double[] acknowledged, double[] next)
    {
        long acks = 0;
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var value = next[w] += 1;
                var code = await MasterGroup.TryWriteWeightAsync(leader, Role(w), value, TimeSpan.FromSeconds(5), stop.Token);
                if (code != 200) continue;
                // Acknowledged: a 200 that reached us. Writes of one writer are sequential, so the largest is enough.
                Volatile.Write(ref acknowledged[w], value);
                Interlocked.Increment(ref acks);
            }
        })).ToArray();
        var clock = Stopwatch.StartNew();
        // Enough load to be mid-stream at the kill; bounded so a slow machine still ends the round.
        while (Interlocked.Read(ref acks) < 2_000 && clock.Elapsed < TimeSpan.FromSeconds(4)) await Task.Delay(10);
        if (Interlocked.Read(ref acks) >= MinAcknowledgedPerRound)
        {
            foreach (var m in followers) m.SendKill();
            leader.SendKill();
            foreach (var m in followers.Append(leader)) m.Kill();
        }
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        return Interlocked.Read(ref acks);
    }

    private static string Role(int writer) => $"power-loss/w{writer:D2}";

    private static async Task<Dictionary<string, double>> ReadAsync(MasterGroup group, string phase)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var leader = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
            if (await MasterGroup.TryReadWeightsAsync(leader) is { } weights) return weights.ToDictionary(w => w.Role, w => w.Weight);
            await Task.Delay(20);
        }
        throw new TimeoutException($"{phase}: no linearizable read succeeded within 30 s");
    }

    private static async Task<Dictionary<string, double>> ReadLocalAsync(MasterProcess master) =>
        (await MasterGroup.TryReadWeightsAsync(master, local: true) ?? throw new InvalidOperationException($"m{master.Id} did not show its own copy"))
        .ToDictionary(w => w.Role, w => w.Weight);

    private static void AssertAllAcknowledged(double[] acknowledged, Dictionary<string, double> registry, string phase)
    {
        var lost = new List<string>();
        for (var w = 0; w < Writers; w++)
        {
            var acked = Volatile.Read(ref acknowledged[w]);
            if (acked == 0) continue;
            var stored = registry.GetValueOrDefault(Role(w));
            // Each writer's values grow and a write is sent only after the previous one was acknowledged,
            // so the log holds every acknowledged write of a writer iff it holds at least the largest.
            if (stored < acked) lost.Add($"{Role(w)}: acknowledged {acked}, registry has {(stored == 0 ? "nothing" : stored)}");
        }
        Assert.True(lost.Count == 0, $"{phase}: {lost.Count} acknowledged writes lost:\n  " + string.Join("\n  ", lost));
    }
}
