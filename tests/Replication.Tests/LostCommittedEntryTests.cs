using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Replication.Registry;
using Xunit;

namespace Mesos.HA.Replication.Tests;

/// <summary>
/// Issue 11, pinned: a master that committed and applied an entry the rest of the group lost (what a
/// power loss did when followers acknowledged before flushing) must end with the group's registry, not
/// its own, once it follows the leader the others elected.
/// </summary>
public sealed class LostCommittedEntryTests
{
    private const string LostRole = "power-loss/lost";

    [Fact]
    public async Task MasterThatAppliedAnEntryTheGroupLost_ReinstallsTheGroupsRegistry()
    {
        await using var group = await InProcessGroup.StartAsync(3);
        for (var i = 1; i <= 5; i++)
            await group.ProposeAsync(new SetWeights([new RoleWeight($"before/w{i}", i)]));
        var old = 0;
        var applied = await WaitForAsync(() => group.Members.All(m => m!.AppliedIndex == group.Members[0]!.AppliedIndex)
            ? group.Members[0]!.AppliedIndex : (long?)null, "every member applied the same index");
        for (var i = 0; i < 3; i++) await group.StopAsync(i);

        // Master 0 committed one more entry that no other master holds: its log and its stored commit index say so.
        var lostIndex = await CommitEntryOnlyHereAsync(group.Options[old], new SetWeights([new RoleWeight(LostRole, 99)]));
        Assert.Equal(applied + 1, lostIndex);

        // The others elect without it, write over its index, and go on.
        await group.RestartAsync(1);
        await group.RestartAsync(2);
        await group.ProposeAsync(new SetWeights([new RoleWeight("after/elected-without-it", 2)]));
        var leader = await group.LeaderAsync();
        Assert.True(leader.CommitIndex > lostIndex, $"the new leader's commit index {leader.CommitIndex} should pass {lostIndex}");

        // The old master comes back: it applies its lost entry on start, then follows the new leader.
        await group.RestartAsync(old);
        var target = leader.CommitIndex;
        var expected = RegistryCodec.Digest(leader.LocalRegistry);
        await WaitForAsync(() => group.Members[old]!.AppliedIndex >= target && RegistryCodec.Digest(group.Members[old]!.LocalRegistry) == expected
            ? true : (bool?)null,
            () => $"m{old} applied {group.Members[old]!.AppliedIndex} (target {target}), digest {RegistryCodec.Digest(group.Members[old]!.LocalRegistry)} " +
                  $"(leader {expected}), holds the lost role: {group.Members[old]!.LocalRegistry.Weights.ContainsKey(LostRole)}, reinstalls {group.Members[old]!.StateReinstalls}");

        Assert.False(group.Members[old]!.LocalRegistry.Weights.ContainsKey(LostRole));
        Assert.Equal(1, group.Members[old]!.StateReinstalls);
    }

    /// <summary>Appends, commits and flushes one registry entry in the stopped master's own log, in its current term.</summary>
    private static async Task<long> CommitEntryOnlyHereAsync(ReplicationOptions options, RegistryCommand command)
    {
        await using var log = new WriteAheadLog(RaftNode.LogOptions(options), new NothingApplied());
        var payload = RegistryCommandCodec.EncodeBatch([RegistryCommandCodec.Encode(new CommandEnvelope(RegistryCommandCodec.CurrentVersion, Guid.NewGuid(), command))]);
        var index = await log.AppendAsync(new BinaryLogEntry { Content = payload, Term = ((IPersistentState)log).Term });
        await log.CommitAsync(index);
        await log.FlushAsync();
        return index;
    }

    private static Task<T> WaitForAsync<T>(Func<T?> probe, string what) where T : struct => WaitForAsync(probe, () => what);

    private static async Task<T> WaitForAsync<T>(Func<T?> probe, Func<string> describe) where T : struct
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } value) return value;
            await Task.Delay(20);
        }
        throw new TimeoutException("not within 30 s: " + describe());
    }

    /// <summary>The stopped master's log opened only to append: the registry is applied when the master starts.</summary>
    private sealed class NothingApplied : IStateMachine
    {
        public ISnapshot? Snapshot => null;

        public ValueTask<long> ApplyAsync(LogEntry entry, CancellationToken token) => ValueTask.FromResult(entry.Index);

        public ValueTask ReclaimGarbageAsync(long watermark, CancellationToken token) => ValueTask.CompletedTask;
    }
}
