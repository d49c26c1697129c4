using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Mesos.HA.Cli.Local;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Chaos.Tests;

/// <summary>
/// Seeded membership chaos against real master processes: while a client writes, each round either
/// replaces a master (a fresh one joins and is added, an old non-leader is removed and stopped),
/// grows the group to five and shrinks it back, or kills the leader and restarts it. Afterwards
/// every acknowledged write is in the registry and all masters hold the same registry.
/// CHAOS_ROUNDS and CHAOS_SEED override the smoke defaults (3 rounds).
/// </summary>
public sealed class MembershipChaosTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ReplaceGrowShrinkAndLeaderKills_UnderWrites_LoseNoAcknowledgedWrite()
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("CHAOS_ROUNDS"), out var r) ? r : 3;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CHAOS_SEED"), out var s) ? s : Environment.TickCount;
        output.WriteLine($"seed {seed}, rounds {rounds} (replay with CHAOS_SEED={seed} CHAOS_ROUNDS={rounds})");
        var random = new Random(seed);
        var root = Path.Combine(Path.GetTempPath(), "mesos-ha-chaos", $"members-{seed}-{Guid.NewGuid():N}"[..40]);
        using var group = new MasterGroup(3, root, ["--log-level", "Warning"]);
        var acknowledged = new ConcurrentDictionary<string, double>();
        var acks = new StrongBox<long>();
        var members = new List<MasterProcess>();
        var events = new List<string>();
        using var stop = new CancellationTokenSource();
        try
        {
            group.StartAll();
            members.AddRange(group.Masters);
            await group.WaitForLeaderAsync(Deadline);
            var writer = Task.Run(() => WriteLoopAsync(group, acknowledged, acks, stop.Token));
            for (var round = 1; round <= rounds; round++)
            {
                var leader = await group.WaitForLeaderAsync(Deadline);
                var before = Volatile.Read(ref acks.Value);
                switch ((round - 1 + random.Next(3)) % 3)
                {
                    case 0:
                        var fresh = await JoinAsync(group);
                        await ChangeAsync(group, HttpMethod.Post, fresh);
                        members.Add(fresh);
                        var old = members.Where(m => m != fresh && m != leader).OrderBy(_ => random.Next()).First();
                        await ChangeAsync(group, HttpMethod.Delete, old);
                        old.Kill();
                        members.Remove(old);
                        events.Add($"round {round}: replaced m{old.Id} by m{fresh.Id}");
                        break;
                    case 1:
                        var added = new[] { await JoinAsync(group), await JoinAsync(group) };
                        foreach (var m in added) await ChangeAsync(group, HttpMethod.Post, m);
                        members.AddRange(added);
                        leader = await group.WaitForLeaderAsync(Deadline);
                        foreach (var m in members.Where(m => m != leader).OrderBy(_ => random.Next()).Take(2).ToArray())
                        {
                            await ChangeAsync(group, HttpMethod.Delete, m);
                            m.Kill();
                            members.Remove(m);
                        }
                        events.Add($"round {round}: grew to 5 (m{added[0].Id}, m{added[1].Id}) and shrank to 3");
                        break;
                    default:
                        leader.Kill();
                        await group.WaitForLeaderOtherThanAsync(leader, Deadline);
                        group.Start(leader);
                        events.Add($"round {round}: killed leader m{leader.Id} and restarted it");
                        break;
                }
                await PollAsync($"round {round}: writes resume", () => Volatile.Read(ref acks.Value) > before + 5);
            }

            await stop.CancelAsync();
            await writer;
            var leaderNow = await group.WaitForLeaderAsync(Deadline);
            var status = await leaderNow.TryStatusAsync() ?? throw new InvalidOperationException("leader silent");
            await group.WaitForConvergenceAsync(status.CommitIndex, Deadline);
            Assert.Equal(members.Select(m => m.RaftAddress).Order(StringComparer.Ordinal), (await leaderNow.TryStatusAsync())!.Members!);
            var weights = await MasterGroup.TryReadWeightsAsync(leaderNow) ?? throw new InvalidOperationException("read failed");
            var stored = weights.ToDictionary(w => w.Role, w => w.Weight);
            var lost = acknowledged.Where(a => !stored.TryGetValue(a.Key, out var w) || w != a.Value).Select(a => a.Key).ToArray();
            output.WriteLine(string.Join("\n", events));
            output.WriteLine($"acknowledged writes {acks.Value}, stored roles {stored.Count}, lost {lost.Length}");
            Assert.True(lost.Length == 0, $"seed {seed}: acknowledged writes lost: {string.Join(",", lost.Take(20))}");
            // Every master that ever ran, removed ones included, journaled its leaderships.
            var journals = Checkers.LeaderHistory.FromJournals(group.Masters.Select(m => ($"m{m.Id}", Path.Combine(m.DataDirectory, Mesos.HA.Replication.LeadershipJournal.FileName))))
                .AtMostOneLeaderPerTerm();
            output.WriteLine($"journals: {journals}");
            Assert.True(journals.Holds, $"seed {seed}: {journals}");
        }
        finally
        {
            await stop.CancelAsync();
            group.Dispose();
            if (Environment.GetEnvironmentVariable("MESOS_HA_KEEP_TEST_DATA") == "1") output.WriteLine($"kept {root}");
            else try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Starts a fresh master with --join and waits until it answers, frozen.</summary>
    private static async Task<MasterProcess> JoinAsync(MasterGroup group)
    {
        var master = group.AddMaster();
        group.Start(master);
        await PollAsync($"m{master.Id} answers", async () => await master.TryStatusAsync() is { Standby: true });
        return master;
    }

    /// <summary>Adds (POST) or removes (DELETE) a member through whoever leads, retrying through failovers and 409s.</summary>
    private static async Task ChangeAsync(MasterGroup group, HttpMethod method, MasterProcess target)
    {
        var deadline = DateTime.UtcNow + Deadline;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var leader = await group.WaitForLeaderAsync(Deadline);
            try
            {
                using var response = await MasterProcess.Client.SendAsync(new HttpRequestMessage(method,
                    $"http://{leader.HttpAddress}/master/members?raft={target.RaftAddress}"));
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                var done = method == HttpMethod.Post ? "already a member" : "not a member";
                if (response.IsSuccessStatusCode || last.Contains(done, StringComparison.Ordinal)) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"{method} m{target.Id}: gave up; last answer {last}");
    }

    private static async Task WriteLoopAsync(MasterGroup group, ConcurrentDictionary<string, double> acknowledged, StrongBox<long> acks,
        CancellationToken token)
    {
        for (var n = 0; !token.IsCancellationRequested && n < 1_000_000; n++)
        {
            var role = $"chaos/m{n % 4000}";
            var weight = 2 + n % 97;
            var written = false;
            while (!written && !token.IsCancellationRequested)
            {
                foreach (var master in group.Masters.Where(m => m.IsRunning).ToArray())
                {
                    if (token.IsCancellationRequested) return;
                    if (await MasterGroup.TryWriteWeightAsync(master, role, weight, TimeSpan.FromSeconds(1)) != 200) continue;
                    acknowledged[role] = weight;
                    Interlocked.Increment(ref acks.Value);
                    written = true;
                    break;
                }
                if (!written) await Task.Delay(5, CancellationToken.None);
            }
        }
    }

    private static Task PollAsync(string phase, Func<bool> condition) => PollAsync(phase, () => Task.FromResult(condition()));

    private static async Task PollAsync(string phase, Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return;
            await Task.Delay(10);
        }
        throw new TimeoutException($"{phase}: gave up after {Deadline}");
    }
}
