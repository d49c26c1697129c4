using System.Diagnostics;
using Mesos.HA.Cli.Local;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Replication.Tests;

/// <summary>Real master processes on loopback: Raft over TCP, FASTER and the write-ahead log on disk, SIGKILL and SIGSTOP.</summary>
[Collection("processes")]
public sealed class ReplicationGroupTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public async Task Group_ElectsOneLeader_AndWritesReplicateToEveryMember(int size)
    {
        using var h = new GroupHarness(size, output);
        await h.LeaderAsync();
        await h.WriteManyAsync("web", 10, weight: 3);
        var digest = await h.ConvergeAsync();
        // Followers learn the leader's HTTP address from its metadata shortly after the election: poll for agreement.
        // Agreement on whoever leads at that moment: on a loaded machine the first leader may have lost a term since.
        await h.PollAsync("every member agrees on one leader and holds the writes", async () =>
        {
            var statuses = new List<(MasterProcess Master, Mesos.HA.Master.StatusDto Status)>();
            foreach (var m in h.Masters) statuses.Add((m, await h.StatusAsync(m)));
            if (statuses.Count(s => s.Status.Role == "leader") != 1) return null;
            var leader = statuses.Single(s => s.Status.Role == "leader").Master;
            foreach (var (m, status) in statuses)
            {
                if (status.RegistryDigest != digest || status.Weights != 10) return null;
                if (status.Role != (m == leader ? "leader" : "follower")) return null;
                if (status.LeaderRaft != leader.RaftAddress || status.LeaderHttp != leader.HttpAddress) return null;
            }
            return "agreed";
        });
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public async Task LeaderKilled_NewLeaderElected_NoCommittedWriteLost(int size)
    {
        using var h = new GroupHarness(size, output);
        var first = await h.LeaderAsync();
        var firstTerm = (await h.StatusAsync(first)).Term;
        await h.WriteManyAsync("before", 20);

        first.Kill();
        var second = await h.LeaderAsync();
        Assert.NotEqual(first, second);
        Assert.True((await h.StatusAsync(second)).Term > firstTerm, "the new leader must have a newer term");
        await h.WriteManyAsync("after", 20, weight: 4);

        var weights = await h.ReadAsync();
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(2, weights[$"before{i}"]);
            Assert.Equal(4, weights[$"after{i}"]);
        }

        h.Group.Start(first);
        await h.ConvergeAsync();
        Assert.Equal(40, (await h.StatusAsync(first)).Weights);
    }

    [Fact]
    public async Task RestartedMember_CatchesUpThroughTheLog()
    {
        using var h = new GroupHarness(3, output);
        var leader = await h.LeaderAsync();
        await h.WriteManyAsync("a", 5);
        var follower = h.Masters.First(m => m != leader);
        follower.Kill();
        await h.WriteManyAsync("b", 30);
        h.Group.Start(follower);
        await h.ConvergeAsync();
        var status = await h.StatusAsync(follower);
        Assert.Equal(35, status.Weights);
        Assert.Equal(0, status.SnapshotsInstalled);
    }

    [Fact]
    public async Task RestartedMember_AfterCompaction_CatchesUpThroughASnapshot()
    {
        using var h = new GroupHarness(3, output, "--snapshot-interval", "8");
        var leader = await h.LeaderAsync();
        await h.WriteManyAsync("a", 5);
        var follower = h.Masters.First(m => m != leader);
        follower.Kill();
        // Far more entries than two checkpoint intervals: the leader's log no longer holds what the follower lacks.
        await h.WriteManyAsync("b", 60);
        h.Group.Start(follower);
        await h.ConvergeAsync();
        var status = await h.StatusAsync(follower);
        Assert.Equal(65, status.Weights);
        Assert.True(status.SnapshotsInstalled >= 1, $"expected a snapshot install, saw {status.SnapshotsInstalled}");
    }

    [Fact]
    public async Task WipedMember_RejoinsThroughASnapshot()
    {
        using var h = new GroupHarness(3, output, "--snapshot-interval", "8");
        var leader = await h.LeaderAsync();
        await h.WriteManyAsync("a", 40);
        var follower = h.Masters.First(m => m != leader);
        follower.Kill();
        Directory.Delete(follower.DataDirectory, recursive: true);
        h.Group.Start(follower);
        var digest = await h.ConvergeAsync();
        var status = await h.StatusAsync(follower);
        Assert.Equal(digest, status.RegistryDigest);
        Assert.Equal(40, status.Weights);
        Assert.True(status.SnapshotsInstalled >= 1, $"expected a snapshot install, saw {status.SnapshotsInstalled}");
    }

    [Fact]
    public async Task WholeGroupRestarted_KeepsTheRegistry()
    {
        using var h = new GroupHarness(3, output, "--snapshot-interval", "16");
        await h.LeaderAsync();
        await h.WriteManyAsync("w", 40, weight: 5);
        var before = await h.ConvergeAsync();
        foreach (var m in h.Masters) m.Kill();
        h.Group.StartAll();
        var weights = await h.ReadAsync();
        Assert.Equal(40, weights.Count);
        Assert.All(weights.Values, w => Assert.Equal(5, w));
        Assert.Equal(before, await h.ConvergeAsync());
    }

    [Fact]
    public async Task LeaderCutOffFromMajority_StepsDown_AndCannotCommit()
    {
        using var h = new GroupHarness(3, output);
        var leader = await h.LeaderAsync();
        await h.WriteManyAsync("a", 3);
        var followers = h.Masters.Where(m => m != leader).ToArray();
        foreach (var f in followers) f.Pause();
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} followers stopped");
        try
        {
            var clock = Stopwatch.StartNew();
            var write = MasterGroup.TryWriteWeightAsync(leader, "cut-off", 9, TimeSpan.FromSeconds(5));
            var polls = new List<string>();
            await h.PollAsync("leader notices it lost its majority", async () =>
            {
                var t0 = clock.ElapsedMilliseconds;
                var role = (await leader.TryStatusAsync())?.Role;
                polls.Add($"{t0}:{role ?? "silent"}@{clock.ElapsedMilliseconds - t0}ms");
                return role == "follower" ? "stepped down" : null;
            }, TimeSpan.FromSeconds(5));
            output.WriteLine("status polls: " + string.Join(" ", polls.TakeLast(6)));
            output.WriteLine($"cut-off leader stepped down after {clock.ElapsedMilliseconds} ms");
            Assert.NotEqual(200, await write);
            Assert.NotEqual(200, await MasterGroup.TryWriteWeightAsync(leader, "cut-off-2", 9, TimeSpan.FromSeconds(2)));
        }
        finally
        {
            foreach (var f in followers) f.Resume();
        }
        await h.WriteAsync("healed", 2);
        var weights = await h.ReadAsync();
        Assert.False(weights.ContainsKey("cut-off-2"));
        Assert.True(weights.ContainsKey("healed"));
        await h.ConvergeAsync();
    }

    [Fact]
    public async Task PausedLeader_IsReplaced_AndCannotCommitWhenItWakesUp()
    {
        using var h = new GroupHarness(3, output);
        var stale = await h.LeaderAsync();
        var staleTerm = (await h.StatusAsync(stale)).Term;
        await h.WriteManyAsync("a", 3);
        stale.Pause();
        MasterProcess fresh;
        try
        {
            var others = h.Masters.Where(m => m != stale).ToArray();
            fresh = await h.PollAsync("survivors elect a new leader", async () =>
            {
                foreach (var m in others)
                    if (await m.TryStatusAsync() is { Role: "leader" } st && st.Term > staleTerm) return m;
                return null;
            });
            Assert.Equal(200, await MasterGroup.TryWriteWeightAsync(fresh, "new-term", 3, TimeSpan.FromSeconds(5)));
        }
        finally
        {
            stale.Resume();
        }
        // The woken leader must learn of the newer term and refuse to act as leader.
        var write = await MasterGroup.TryWriteWeightAsync(stale, "stale-write", 7, TimeSpan.FromSeconds(5));
        Assert.NotEqual(200, write);
        await h.PollAsync("stale leader follows the new one", async () =>
            (await stale.TryStatusAsync()) is { Role: "follower" } st && st.LeaderRaft == fresh.RaftAddress ? st : null);
        var weights = await h.ReadAsync();
        Assert.True(weights.ContainsKey("new-term"));
        Assert.False(weights.ContainsKey("stale-write"));
        await h.ConvergeAsync();
    }
}

[CollectionDefinition("processes", DisableParallelization = true)]
public sealed class ProcessCollection;
