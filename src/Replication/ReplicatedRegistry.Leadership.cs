using DotNext.Net.Cluster.Consensus.Raft;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Replication;

/// <summary>Following leadership: who leads, when this master may serve as leader, and when it must stop.</summary>
public sealed partial class ReplicatedRegistry
{
    private readonly Lock leaderChangeLock = new();

    /// <summary>
    /// Follows the Raft member's leader. Called for each DotNext <c>LeaderChanged</c> event and once when the
    /// incarnation starts (an event raised before it was the current incarnation was ignored). Those two used to
    /// race on a restarted member, whose first heartbeat arrives at once: the start read "no leader", the event
    /// set the leader, then the start's "no leader" overwrote it; DotNext raises no further event while that
    /// leader lasts, so the master knew no leader for good (a restarted chaos-test follower, for 60 s, while the
    /// two others agreed on one). Now each call re-reads the member's current leader, one call at a time: the
    /// last to run sees the last change, whatever order the callers come in.
    /// </summary>
    private void OnLeaderChanged(Incarnation source)
    {
        lock (leaderChangeLock)
        {
            if (source != incarnation) return;
            var member = source.Node.Cluster.Leader;
            var term = source.Node.Cluster.Term;
            if (ReferenceEquals(member, source.LeaderSeen) && term == source.LeaderSeenTerm) return; // a late event of a change already followed
            source.LeaderSeen = member;
            source.LeaderSeenTerm = term;
            Follow(source, member, term);
        }
    }

    private void Follow(Incarnation source, RaftClusterMember? member, long term)
    {
        if (member is null)
        {
            leader = null;
            LeaderChanged?.Invoke(new LeaderChange(null, term));
            return;
        }
        var endPoint = member.EndPoint.ToString() ?? "";
        CountElection(term, endPoint);
        source.LastRemoteLeader = member.IsRemote ? member.EndPoint : null;
        if (!member.IsRemote)
        {
            var local = new LeaderInfo(endPoint, options.HttpAddress, IsLocal: true);
            leader = local;
            LeaderChanged?.Invoke(new LeaderChange(local, term));
            return;
        }
        var learning = new LeaderInfo(endPoint, HttpAddress: "", IsLocal: false);
        leader = learning;
        LeaderChanged?.Invoke(new LeaderChange(learning, term));
        _ = Task.Run(() => LearnLeaderHttpAsync(source, member, learning));
    }

    /// <summary>
    /// Asks the new leader for its HTTP address (its Raft metadata), again after a failure, for as long
    /// as it still leads: until this master knows it, it answers clients 503 instead of redirecting.
    /// </summary>
    private async Task LearnLeaderHttpAsync(Incarnation source, RaftClusterMember member, LeaderInfo learning)
    {
        var endPoint = learning.RaftEndPoint;
        for (var attempt = 1; ReferenceEquals(leader, learning) && !source.Stopping.IsCancellationRequested; attempt++)
        {
            try
            {
                var metadata = await member.GetMetadataAsync(refresh: attempt > 1, source.Stopping).ConfigureAwait(false);
                // Close the connection the request opened: a follower holding one to its leader sends
                // its next pre-vote and vote over it, and when the leader is paused or cut off those
                // wait the whole request timeout instead of failing to connect (notes, section 1).
                await member.CancelPendingRequestsAsync().ConfigureAwait(false);
                if (metadata.TryGetValue(RaftNode.HttpMetadataKey, out var http))
                    Interlocked.CompareExchange(ref leader, learning with { HttpAddress = http }, learning);
                return;
            }
            catch (OperationCanceledException) when (source.Stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogMetadataUnavailable(logger, endPoint, e.Message);
            }
            // A bounded pause between attempts, longer after repeated failures (a heartbeat period up to a second).
            await WaitAsync(TimeSpan.FromMilliseconds(Math.Min(1000, 50 * attempt)), source.Stopping).ConfigureAwait(false);
        }
    }

    private async Task FollowLeadershipAsync(Incarnation source)
    {
        var cluster = source.Node.Cluster;
        while (!source.Stopping.IsCancellationRequested)
        {
            CancellationToken leadership;
            try
            {
                leadership = await cluster.WaitForLeadershipAsync(source.Stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            if (leadership.IsCancellationRequested) continue;
            var term = cluster.Term;
            long committedTerm;
            try
            {
                // The newest committed entry is this leader's own first entry (or later ones of its
                // term). If the node's term already moved past it, a newer leader exists and this
                // leadership is about to be revoked: do not serve with a term that is not ours.
                committedTerm = await TermReader.ReadAsync(source.Node.Log, source.Node.Log.LastCommittedEntryIndex, source.Stopping)
                    .ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            if (committedTerm != term)
            {
                LogTermMoved(logger, committedTerm, term);
                await WaitAsync(Timeout.InfiniteTimeSpan, leadership, source.Stopping).ConfigureAwait(false);
                continue;
            }
            try
            {
                // Committed is not applied: the applier may still be behind the entries this leader
                // inherited. Whoever reads the registry on BecameLeader (the leader shell builds its
                // core from it) must see every entry committed before this term, or it would act as
                // if a framework or agent registered in the previous term had never been.
                using var applied = CancellationTokenSource.CreateLinkedTokenSource(leadership, source.Stopping);
                await source.Node.Log.WaitForApplyAsync(source.Node.Log.LastCommittedEntryIndex, applied.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                if (source.Stopping.IsCancellationRequested) return;
                continue; // leadership lost while catching up
            }
            source.LeaderTerm = term;
            source.LeadershipToken = leadership;
            LogBecameLeader(logger, term, source.Node.StateMachine.AppliedIndex);
            BecameLeader?.Invoke(new LeadershipTerm(term, leadership));
            await WatchLeaseAsync(source, leadership).ConfigureAwait(false);
            source.LeadershipToken = new CancellationToken(canceled: true);
            LogLostLeadership(logger, term);
            LostLeadership?.Invoke(term);
        }
    }

    /// <summary>
    /// Runs while this master leads: when the leader lease expires (no majority answered a heartbeat
    /// round in time) the master stops taking proposals, and if the lease is not renewed within the
    /// grace (<see cref="ReplicationOptions.LeaseGrace"/>; <see cref="ReplicationOptions.RequestTimeout"/>
    /// during the term's first <see cref="ReplicationOptions.LeaderSettling"/>) it resigns, so a cut-off
    /// leader steps down in about an election timeout (etcd calls this CheckQuorum). Returns when leadership ends.
    /// </summary>
    /// <remarks>
    /// The grace counts only time in which this process ran on schedule (<see cref="GraceClock"/>): a
    /// leader whose own timers fire late was starved of CPU (start-up JIT, a loaded machine, a GC pause),
    /// and its followers' answers waited in its socket buffers meanwhile; that is no evidence they are
    /// gone. The first rounds of a term are slow on every member (the new term's first entry is the
    /// first write and flush since start, and much of the code runs for the first time), and resigning
    /// over them only caused the next election: the longer grace then is DotNext's own bound on a round,
    /// after which it steps down by itself if no majority answered.
    /// </remarks>
    private async Task WatchLeaseAsync(Incarnation source, CancellationToken leadership)
    {
        var cluster = source.Node.Cluster;
        var tick = options.LowerElectionTimeout * options.HeartbeatThreshold;
        var termStarted = System.Diagnostics.Stopwatch.StartNew();
        while (!leadership.IsCancellationRequested && !source.Stopping.IsCancellationRequested)
        {
            if (cluster.TryGetLeaseToken(out var lease) && !lease.IsCancellationRequested)
            {
                await WaitAsync(Timeout.InfiniteTimeSpan, lease, leadership, source.Stopping).ConfigureAwait(false);
                continue;
            }
            LogLeaseExpired(logger, cluster.Term);
            var grace = termStarted.Elapsed < options.LeaderSettling ? options.RequestTimeout : options.LeaseGrace;
            var clock = new GraceClock(tick);
            while (clock.Counted < grace && !leadership.IsCancellationRequested
                   && !(cluster.TryGetLeaseToken(out var renewed) && !renewed.IsCancellationRequested))
            {
                await WaitAsync(tick, leadership, source.Stopping).ConfigureAwait(false);
                clock.Tick();
            }
            if (leadership.IsCancellationRequested || source.Stopping.IsCancellationRequested) break;
            if (cluster.TryGetLeaseToken(out var current) && !current.IsCancellationRequested) continue;
            LogLeaseLost(logger, cluster.Term, (long)clock.Counted.TotalMilliseconds, (long)clock.Elapsed.TotalMilliseconds);
            try
            {
                await ((DotNext.Net.Cluster.ICluster)cluster).ResignAsync(source.Stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException) { }
            await WaitAsync(Timeout.InfiniteTimeSpan, leadership, source.Stopping).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for <paramref name="delay"/> or until any token is cancelled, whichever comes first; never throws.</summary>
    private static async Task WaitAsync(TimeSpan delay, params CancellationToken[] tokens)
    {
        try
        {
            using var any = CancellationTokenSource.CreateLinkedTokenSource(tokens);
            await Task.Delay(delay, any.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) { }
    }
}
