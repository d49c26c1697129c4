using System.Net;
using DotNext.Net.Cluster.Consensus.Raft;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Replication;

/// <summary>
/// Online membership changes (one master at a time, through DotNext's AddMemberAsync and
/// RemoveMemberAsync on the leader) and leader hand-off.
/// </summary>
public sealed partial class ReplicatedRegistry
{
    /// <summary>The Raft configuration this master has applied, sorted by endpoint; empty while a joining master waits to be added.</summary>
    public IReadOnlyList<MemberInfo> Members
    {
        get
        {
            if (incarnation is not { } current) return [];
            var leaderEndPoint = leader?.RaftEndPoint;
            return current.Node.Cluster.Members
                .Select(m => new MemberInfo(m.EndPoint.ToString() ?? "", m.EndPoint.ToString() == leaderEndPoint, !m.IsRemote,
                    m.Status.ToString().ToLowerInvariant()))
                .OrderBy(m => m.RaftEndPoint, StringComparer.Ordinal)
                .ToArray();
        }
    }

    /// <summary>True when this master is in the configuration it has applied (it votes and may lead); false while joining or after removal.</summary>
    public bool IsVoting => incarnation?.Node.Cluster.Members.Any(m => !m.IsRemote) ?? false;

    /// <summary>True while this master's Raft node is frozen: joining, removed, or holding back after a step-down.</summary>
    public bool IsStandby => incarnation?.Node.Cluster.Standby ?? false;

    /// <summary>
    /// Adds <paramref name="endPoint"/> to the group. The leader first catches the new master up for
    /// <see cref="ReplicationOptions.WarmupRounds"/> rounds, then commits the new configuration; the
    /// new master counts in majorities from then on. Throws <see cref="NotLeaderException"/> when this
    /// master does not lead (or stops leading meanwhile: the change may or may not have happened).
    /// </summary>
    public async Task<MembershipChangeResult> AddMemberAsync(IPEndPoint endPoint, CancellationToken token = default)
    {
        var cluster = LeadingCluster();
        if (cluster.Members.Any(m => endPoint.Equals(m.EndPoint)))
            return new(MembershipChangeStatus.AlreadyMember, $"{endPoint} is already a member");
        LogChangingMembership(logger, "adding", endPoint.ToString());
        var (added, refused) = await ChangeMembershipAsync(() => cluster.AddMemberAsync(endPoint, token), token).ConfigureAwait(false);
        if (refused is not null) return refused;
        return added && await MembershipOutcomeAsync(cluster, endPoint, expectMember: true).ConfigureAwait(false)
            ? new(MembershipChangeStatus.Done, $"{endPoint} added")
            : new(MembershipChangeStatus.NotCaughtUp,
                $"{endPoint} did not answer or catch up within {options.WarmupRounds} rounds; start it with --join and try again");
    }

    /// <summary>
    /// The HTTP address a member announced in its Raft metadata, or null when it is not a member of
    /// this leader's configuration or does not answer within <paramref name="timeout"/>.
    /// </summary>
    public async Task<string?> HttpAddressOfMemberAsync(IPEndPoint endPoint, TimeSpan timeout, CancellationToken token = default)
    {
        var member = LeadingCluster().Members.FirstOrDefault(m => endPoint.Equals(m.EndPoint));
        if (member is null) return null;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(token);
        bounded.CancelAfter(timeout);
        try
        {
            var metadata = await member.GetMetadataAsync(refresh: false, bounded.Token).ConfigureAwait(false);
            return metadata.TryGetValue(RaftNode.HttpMetadataKey, out var http) ? http : null;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException
                                      or DotNext.Net.Cluster.MemberUnavailableException)
        {
            return token.IsCancellationRequested ? throw new OperationCanceledException(token) : null;
        }
    }

    /// <summary>
    /// Removes <paramref name="endPoint"/> from the group. The leader itself cannot be removed this
    /// way: step it down first. Throws <see cref="NotLeaderException"/> when this master does not lead.
    /// </summary>
    public async Task<MembershipChangeResult> RemoveMemberAsync(IPEndPoint endPoint, CancellationToken token = default)
    {
        var cluster = LeadingCluster();
        var member = cluster.Members.FirstOrDefault(m => endPoint.Equals(m.EndPoint));
        if (member is null) return new(MembershipChangeStatus.NotMember, $"{endPoint} is not a member");
        if (!member.IsRemote)
            return new(MembershipChangeStatus.IsLeader, $"{endPoint} is the leader: step it down first (mesos-ha leader step-down), then remove it");
        LogChangingMembership(logger, "removing", endPoint.ToString());
        var (removed, refused) = await ChangeMembershipAsync(() => cluster.RemoveMemberAsync(endPoint, token), token).ConfigureAwait(false);
        if (refused is not null) return refused;
        return removed && await MembershipOutcomeAsync(cluster, endPoint, expectMember: false).ConfigureAwait(false)
            ? new(MembershipChangeStatus.Done, $"{endPoint} removed")
            : new(MembershipChangeStatus.NotMember, $"{endPoint} is not a member");
    }

    /// <summary>
    /// Makes this leader resign so another master takes over (about one election timeout). To keep
    /// it from winning the next election itself, the node then stays frozen (it replicates and votes
    /// but does not stand) until another leader is known or <see cref="ReplicationOptions.StepDownHoldOff"/>
    /// has passed. Throws <see cref="NotLeaderException"/> when this master does not lead.
    /// </summary>
    public async Task StepDownAsync(CancellationToken token = default)
    {
        var current = incarnation;
        if (current is not { HoldsLeadership: true }) throw new NotLeaderException(Leader);
        var cluster = current.Node.Cluster;
        LogSteppingDown(logger, current.LeaderTerm);
        NoteStepDownRequested();
        bool resigned;
        try
        {
            resigned = await ((DotNext.Net.Cluster.ICluster)cluster).ResignAsync(token).ConfigureAwait(false);
        }
        catch (ObjectDisposedException e)
        {
            throw new NotLeaderException(Leader, e);
        }
        if (!resigned) throw new NotLeaderException(Leader);
        if (options.StepDownHoldOff <= TimeSpan.Zero) return;
        // Right after resigning, this node's election timer races the followers' ones and wins about
        // a third of the time (its log is as long as theirs). A frozen node still votes, so holding it
        // back costs the others nothing.
        if (await cluster.EnableStandbyModeAsync(token).ConfigureAwait(false))
            _ = Task.Run(() => ResumeAfterStepDownAsync(current));
    }

    private async Task ResumeAfterStepDownAsync(Incarnation source)
    {
        var deadline = DateTime.UtcNow + options.StepDownHoldOff;
        var tick = options.LowerElectionTimeout * options.HeartbeatThreshold;
        while (DateTime.UtcNow < deadline && !source.Stopping.IsCancellationRequested && leader is not { IsLocal: false })
            await WaitAsync(tick, source.Stopping).ConfigureAwait(false);
        if (source.Stopping.IsCancellationRequested) return;
        try
        {
            await source.Node.Cluster.RevertToNormalModeAsync(source.Stopping).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException) { }
    }

    private RaftCluster LeadingCluster() =>
        incarnation is { HoldsLeadership: true } current ? current.Node.Cluster : throw new NotLeaderException(Leader);

    /// <summary>Runs one DotNext membership call: whether it committed a new configuration, or why it was refused.</summary>
    private async Task<(bool Changed, MembershipChangeResult? Refused)> ChangeMembershipAsync(Func<Task<bool>> change, CancellationToken token)
    {
        try
        {
            return (await change().ConfigureAwait(false), null);
        }
        catch (RaftCluster.ConcurrentMembershipModificationException)
        {
            return (false, new(MembershipChangeStatus.ChangeInProgress, "another membership change is in progress; one change at a time"));
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is DotNext.Net.Cluster.Consensus.Raft.NotLeaderException or OperationCanceledException
                                      or InvalidOperationException or ObjectDisposedException)
        {
            throw new NotLeaderException(Leader, e);
        }
    }

    /// <summary>
    /// Waits (briefly) until the leader's member list shows the change: DotNext returns once the
    /// configuration entry is applied to the storage, and the member list follows asynchronously.
    /// </summary>
    private async Task<bool> MembershipOutcomeAsync(RaftCluster cluster, IPEndPoint endPoint, bool expectMember)
    {
        var deadline = DateTime.UtcNow + options.UpperElectionTimeout;
        while (true)
        {
            if (cluster.Members.Any(m => endPoint.Equals(m.EndPoint)) == expectMember) return true;
            if (DateTime.UtcNow >= deadline) return false;
            await Task.Delay(5).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Membership change: {Action} {EndPoint}")]
    private static partial void LogChangingMembership(ILogger logger, string action, string endPoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stepping down as leader of term {Term} on request")]
    private static partial void LogSteppingDown(ILogger logger, long term);
}
