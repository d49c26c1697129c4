using System.Reflection;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Replication.Registry;
using Microsoft.Extensions.Logging;
using Xunit;
using static Mesos.HA.Replication.Tests.Commands;

namespace Mesos.HA.Replication.Tests;

/// <summary>The replication API as the master uses it, over real Raft on loopback inside this process.</summary>
[Collection("processes")]
public sealed class ReplicatedRegistryTests
{
    private static async Task<T> PollAsync<T>(string phase, Func<T?> probe, TimeSpan? timeout = null, Func<string>? seen = null) where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } value) return value;
            await Task.Delay(10);
        }
        throw new TimeoutException($"{phase}: gave up{(seen is null ? "" : $"; saw {seen()}")}");
    }

    [Fact]
    public async Task ProposeAsync_ReturnsEachCommandsCommittedResult()
    {
        await using var group = await InProcessGroup.StartAsync(1);
        var leader = await group.LeaderAsync();

        var admitted = await leader.ProposeAsync(Admit("a1"));
        Assert.Equal(CommandStatus.Applied, admitted.Status);
        Assert.True(admitted.Index > 0);
        Assert.Equal(CommandStatus.Rejected, (await leader.ProposeAsync(Admit("a1"))).Status);
        Assert.Equal(CommandStatus.Rejected, (await leader.ProposeAsync(new MarkAgentUnreachable(new AgentId("zz"), 5))).Status);
        Assert.Equal(CommandStatus.Unchanged, (await leader.ProposeAsync(new MarkAgentGone(new AgentId("a1"), 5)) is { Status: CommandStatus.Applied }
            ? await leader.ProposeAsync(new MarkAgentGone(new AgentId("a1"), 6)) : CommandResult.Rejected("first mark failed")).Status);

        var registry = await leader.ReadAsync(ReadConsistency.Linearizable);
        Assert.Equal(AgentStatus.Gone, registry.Agents[new AgentId("a1")].Status);
    }

    [Fact]
    public async Task ProposeAsync_ConcurrentWriters_EachGetTheirOwnResult()
    {
        await using var group = await InProcessGroup.StartAsync(1);
        var leader = await group.LeaderAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => leader.ProposeAsync(Admit($"a{i % 100}"))));
        // Each id was proposed twice: exactly one of the two is admitted, whatever the batching.
        Assert.Equal(100, results.Count(r => r.Status == CommandStatus.Applied));
        Assert.Equal(100, results.Count(r => r.Status == CommandStatus.Rejected));
        Assert.Equal(100, leader.LocalRegistry.Agents.Count);
    }

    [Fact]
    public async Task ProposeAsync_MalformedCommand_IsRefusedBeforeProposing()
    {
        await using var group = await InProcessGroup.StartAsync(1);
        var leader = await group.LeaderAsync();
        var before = leader.CommitIndex;
        await Assert.ThrowsAsync<InvalidRegistryCommandException>(() => leader.ProposeAsync(new SetWeights([new RoleWeight("web", -1)])));
        await Assert.ThrowsAsync<InvalidRegistryCommandException>(() => leader.ProposeAsync(new RemoveAgent(new AgentId(""))));
        Assert.Equal(before, leader.CommitIndex);
    }

    [Fact]
    public async Task Follower_RefusesWritesAndLinearizableReads_NamingTheLeader_ButServesLocalReads()
    {
        await using var group = await InProcessGroup.StartAsync(3);
        var leader = await group.LeaderAsync();
        var follower = group.Members.First(m => m != leader)!;
        await leader.ProposeAsync(AddFramework("f1"));

        var write = await Assert.ThrowsAsync<NotLeaderException>(() => follower.ProposeAsync(AddFramework("f2")));
        await PollAsync("follower learns the leader's HTTP address", () => follower.Leader is { HttpAddress.Length: > 0 } l ? l : null);
        write = await Assert.ThrowsAsync<NotLeaderException>(() => follower.ProposeAsync(AddFramework("f2")));
        Assert.Equal(leader.Options.HttpAddress, write.Leader!.HttpAddress);
        Assert.False(write.Leader.IsLocal);
        await Assert.ThrowsAsync<NotLeaderException>(() => follower.ReadAsync(ReadConsistency.Linearizable));

        var local = await PollAsync("follower applies the write", () =>
            follower.LocalRegistry.Frameworks.ContainsKey(new FrameworkId("f1")) ? follower.LocalRegistry : null);
        Assert.Single(local.Frameworks);
        Assert.False((await leader.ReadAsync(ReadConsistency.Linearizable)).Frameworks.ContainsKey(new FrameworkId("f2")));
    }

    [Fact]
    public async Task LeadershipEvents_OldLeaderLosesIt_NewLeaderGetsItWithAHigherTerm()
    {
        await using var group = await InProcessGroup.StartAsync(3);
        var first = await group.LeaderAsync();
        var firstTerm = first.Term;
        var lost = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        first.LostLeadership += t => lost.TrySetResult(t);
        var became = new TaskCompletionSource<LeadershipTerm>(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var m in group.Members.Where(m => m != first)) m!.BecameLeader += t => became.TrySetResult(t);

        await group.StopAsync(Array.IndexOf(group.Members, first));
        Assert.Equal(firstTerm, await lost.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        var next = await became.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(next.Term > firstTerm);
        Assert.False(next.Token.IsCancellationRequested);
        Assert.Equal(CommandStatus.Applied, (await group.ProposeAsync(Admit("after-failover"))).Status);
    }

    [Fact]
    public async Task ANewLeader_SeesEveryEntryCommittedBeforeItsTerm_WhenBecameLeaderIsRaised_EvenIfItsApplierLagged()
    {
        // The leader shell builds its core from the registry when BecameLeader is raised: every entry committed
        // before the term must be applied by then, however far the member's applier lagged its log.
        await using var group = await InProcessGroup.StartAsync(3);
        var first = await group.LeaderAsync();
        var followers = group.Members.Where(m => m != first).Select(m => m!).ToArray();
        foreach (var f in followers) f.ApplyDelayForTests = TimeSpan.FromMilliseconds(400);
        var seen = new TaskCompletionSource<(long Term, int Agents, long Applied, long Committed)>(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var f in followers)
        {
            var member = f;
            member.BecameLeader += t => seen.TrySetResult((t.Term, member.LocalRegistry.Agents.Count, member.AppliedIndex, member.CommitIndex));
        }
        for (var i = 0; i < 4; i++)
            Assert.Equal(CommandStatus.Applied, (await first.ProposeAsync(Admit($"before-{i}"))).Status);
        // The followers have every entry (a majority acknowledged each) but apply one per 400 ms.
        Assert.True(followers.All(f => f.AppliedIndex < first.AppliedIndex),
            "the followers' appliers did not lag: " + string.Join(", ", followers.Select(f => $"applied {f.AppliedIndex} of {first.AppliedIndex}")));
        await group.StopAsync(Array.IndexOf(group.Members, first));
        var (term, agents, applied, committed) = await seen.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(term > 1);
        Assert.True(agents == 4, $"the new leader's registry at BecameLeader held {agents} of 4 agents (applied {applied}, committed {committed})");
        foreach (var f in followers) f.ApplyDelayForTests = TimeSpan.Zero;
    }

    [Fact]
    public void WalFaultDetector_RecognisesOnlyTheMissingPageFault()
    {
        var fault = CreateMissingPageException();
        Assert.True(WalFaultDetector.IsWalFault(fault));
        Assert.True(WalFaultDetector.IsWalFault(new InvalidOperationException("wrapped", fault)));
        Assert.False(WalFaultDetector.IsWalFault(new IOException("disk full")));
        Assert.False(WalFaultDetector.IsWalFault(null));
    }

    [Fact]
    public async Task WalFault_LoggedByDotNext_RestartsTheMember_WhichCatchesUp()
    {
        await using var group = await InProcessGroup.StartAsync(3);
        var leader = await group.LeaderAsync();
        for (var i = 0; i < 10; i++) await leader.ProposeAsync(Admit($"a{i}"));
        var follower = group.Members.First(m => m != leader)!;

        // DotNext catches the fault inside its transport and logs it; that log entry is what we watch.
        follower.RaftLoggerFactory.CreateLogger("DotNext.Net.Cluster.Consensus.Raft.RaftCluster")
            .LogWarning(CreateMissingPageException(), "AppendEntries failed");
        await PollAsync("the faulty member restarts", () => follower.RaftRestarts == 1 ? follower : null);

        // The restart can stall this process long enough for leadership to move: write through whoever leads.
        for (var i = 10; i < 40; i++) await group.ProposeAsync(Admit($"a{i}"));
        // The leader of now may have applied the last write a moment after the one that acknowledged it.
        leader = await group.LeaderAsync();
        var current = leader;
        await PollAsync("the leader of now has applied every write", () => current.LocalRegistry.Agents.Count == 40 ? current : null);
        var digest = RegistryCodec.Digest(leader.LocalRegistry);
        await PollAsync("the restarted member catches up", () => RegistryCodec.Digest(follower.LocalRegistry) == digest ? follower : null);
        Assert.Equal(40, follower.LocalRegistry.Agents.Count);
    }

    private static Exception CreateMissingPageException()
    {
        var type = typeof(WriteAheadLog).GetNestedType("MissingPageException", BindingFlags.Public | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("DotNext no longer has WriteAheadLog.MissingPageException: revisit the WAL fault guard");
        return (Exception)Activator.CreateInstance(type, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public, null, [7u], null)!;
    }

    /// <summary>
    /// A restarted Raft member hears the leader's heartbeat at once, while it is still starting. Its first look at
    /// "who leads" used to race DotNext's first LeaderChanged event and could overwrite the leader with "none", and
    /// no further event came while that leader lasted (a restarted chaos-test follower knew no leader for 60 s).
    /// Restarted many times, the follower must come to know the leader every time.
    /// </summary>
    [Fact]
    public async Task RestartedRaftMember_AlwaysComesToKnowTheLeader()
    {
        await using var group = await InProcessGroup.StartAsync(3);
        var leader = await group.LeaderAsync();
        var follower = group.Members.First(m => m != leader)!;
        for (var restart = 1; restart <= 20; restart++)
        {
            await follower.RestartRaftNodeAsync($"restart {restart}");
            var seen = "";
            await PollAsync($"restart {restart}: the follower knows the leader", () =>
            {
                var leading = group.Members.FirstOrDefault(m => m is { IsLeader: true })?.Leader?.RaftEndPoint;
                var known = follower.Leader;
                seen = $"the follower's leader {known?.RaftEndPoint ?? "none"}, the member leading {leading ?? "none"}";
                return leading is not null && known?.RaftEndPoint == leading ? known : null;
            }, TimeSpan.FromSeconds(10), () => seen);
        }
    }
}
