using System.Diagnostics;
using Mesos.HA.Checkers;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;
using Mesos.HA.Replication;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Chaos.Tests;

/// <summary>
/// Seeded membership chaos against real master processes: while the registry clients (the Jepsen-style
/// <see cref="RegistryWorkload"/>) write and read, each round replaces a master (a fresh one joins and
/// is added, an old non-leader is removed and stopped; half the time the leader is killed between the
/// two changes), grows the group to five and shrinks it back, or kills the leader and restarts it.
/// Afterwards: every member's own copy holds every acknowledged write, the history is linearizable,
/// local reads never go back, one leader per term in every master's journal, the leader's membership is
/// the expected one. CHAOS_ROUNDS and CHAOS_SEED override the smoke defaults (3 rounds).
/// </summary>
public sealed class MembershipChaosTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private const int MinRegistryOperationsPerRound = 20;

    [Fact]
    public async Task ReplaceGrowShrinkAndLeaderKills_UnderWrites_LoseNoAcknowledgedWrite()
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("CHAOS_ROUNDS"), out var r) ? r : 3;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CHAOS_SEED"), out var s) ? s : Environment.TickCount;
        output.WriteLine($"seed {seed}, rounds {rounds} (replay with CHAOS_SEED={seed} CHAOS_ROUNDS={rounds})");
        var random = new Random(seed);
        var root = Path.Combine(Path.GetTempPath(), "mesos-ha-chaos", $"members-{seed}-{Guid.NewGuid():N}"[..40]);
        using var group = new MasterGroup(3, root, ["--log-level", "Warning"]);
        var history = new RegisterHistory();
        var members = new List<MasterProcess>();
        var events = new List<string>();
        using var stop = new CancellationTokenSource();
        try
        {
            group.StartAll();
            members.AddRange(group.Masters);
            await group.WaitForLeaderAsync(Deadline);
            var clients = new RegistryWorkload(group, history, Stopwatch.StartNew(), seed);
            var workload = clients.RunAsync(stop.Token);
            for (var round = 1; round <= rounds; round++)
            {
                var leader = await group.WaitForLeaderAsync(Deadline);
                var before = clients.CompletedOperations;
                switch ((round - 1 + random.Next(3)) % 3)
                {
                    case 0:
                        var fresh = await JoinAsync(group);
                        await ChangeAsync(group, HttpMethod.Post, fresh);
                        members.Add(fresh);
                        var killed = random.Next(2) == 0;
                        if (killed)
                        {
                            // A leader change between the two membership changes: the removal goes through the new leader.
                            leader.Kill();
                            await group.WaitForLeaderOtherThanAsync(leader, Deadline);
                            group.Start(leader);
                        }
                        leader = await group.WaitForLeaderAsync(Deadline);
                        var old = members.Where(m => m != fresh && m != leader).OrderBy(_ => random.Next()).First();
                        await ChangeAsync(group, HttpMethod.Delete, old);
                        old.Kill();
                        members.Remove(old);
                        events.Add($"round {round}: replaced m{old.Id} by m{fresh.Id}{(killed ? ", the leader killed between add and remove" : "")}");
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
                try
                {
                    await PollAsync($"round {round}: registry operations complete",
                        () => clients.CompletedOperations >= before + MinRegistryOperationsPerRound);
                }
                catch (TimeoutException e)
                {
                    // Say what the running masters showed: no leader, a member that does not vote, or clients that missed them.
                    var seen = (await group.StatusesAsync()).Where(x => x.Master.IsRunning).Select(x => x.Status is { } st
                        ? $"m{x.Master.Id} {st.Role}{(st.Standby ? " standby" : "")}{(st.Voting ? "" : " not voting")} term {st.Term} leader {st.LeaderRaft ?? "none"} applied {st.AppliedIndex} members [{string.Join(",", st.Members ?? [])}]"
                        : $"m{x.Master.Id} silent");
                    throw new TimeoutException($"{e.Message} ({clients.CompletedOperations - before} completed); {string.Join("; ", events.TakeLast(2))}; running: {string.Join("; ", seen)}", e);
                }
            }

            await stop.CancelAsync();
            await workload;
            var leaderNow = await group.WaitForLeaderAsync(Deadline);
            var status = await leaderNow.TryStatusAsync() ?? throw new InvalidOperationException("leader silent");
            await group.WaitForConvergenceAsync(status.CommitIndex, Deadline);
            Assert.Equal(members.Select(m => m.RaftAddress).Order(StringComparer.Ordinal), (await leaderNow.TryStatusAsync())!.Members!);
            var results = new List<CheckResult>();
            foreach (var member in members)
            {
                var copy = await MasterGroup.TryReadWeightsAsync(member, local: true) ?? throw new InvalidOperationException($"m{member.Id} did not show its own copy");
                results.Add(history.NoAcknowledgedWriteLost(copy.ToDictionary(w => w.Role, w => w.Weight)) with { Invariant = $"no acknowledged write lost in m{member.Id}'s copy" });
            }
            results.Add(history.Linearizable());
            results.Add(history.LocalReadsMonotonic());
            // Every master that ever ran, removed ones included, journaled its leaderships.
            results.Add(LeaderHistory.FromJournals(group.Masters.Select(m => ($"m{m.Id}", Path.Combine(m.DataDirectory, LeadershipJournal.FileName))))
                .AtMostOneLeaderPerTerm() with { Invariant = "at most one leader per term, from every master's journal" });
            output.WriteLine(string.Join("\n", events));
            output.WriteLine($"workload: {history.Count} registry operations; per key (acknowledged writes / unknown outcomes / linearizable reads / local reads):");
            foreach (var (key, acked, unknown, reads, locals) in history.Counts())
                output.WriteLine($"  {key}: {acked} / {unknown} / {reads} / {locals}");
            output.WriteLine("invariants:");
            foreach (var result in results) output.WriteLine("  " + result);
            Assert.True(results.All(x => x.Holds), $"seed {seed}: " + string.Join("; ", results.Where(x => !x.Holds)));
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
            catch (Exception e) when (NoAnswer.Is(e))
            {
                last = e.Message;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"{method} m{target.Id}: gave up; last answer {last}");
    }

    private static Task PollAsync(string phase, Func<bool> condition) => PollAsync(phase, () => Task.FromResult(condition()));

    private static Task PollAsync(string phase, Func<Task<bool>> condition) =>
        Poll.UntilAsync(phase, condition, Deadline, interval: TimeSpan.FromMilliseconds(10));
}
