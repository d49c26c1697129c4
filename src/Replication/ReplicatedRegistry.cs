using DotNext.Net.Cluster.Consensus.Raft;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Replication.Registry;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Mesos.HA.Replication;

/// <summary>
/// The replication API the master uses: propose a registry command and await its committed result,
/// read the registry (linearizable on the leader, or this master's applied copy), follow
/// leadership, and learn who leads for redirects. Knows nothing about offers or tasks.
/// Thread-safe.
/// </summary>
public sealed partial class ReplicatedRegistry : IRegistryLeadership, IAsyncDisposable
{
    private readonly ReplicationOptions options;
    private readonly ILogger logger;
    private readonly WalFaultDetector walFaults = new();
    private readonly ObservedLoggerFactory raftLoggers;
    private readonly CancellationTokenSource lifetime = new();
    private readonly SemaphoreSlim restartLock = new(1, 1);
    private readonly ResiliencePipeline restartPipeline;
    private readonly ProposalPump proposals;
    private readonly LeadershipJournal journal;
    private readonly RaftActivity activity;
    private volatile Incarnation? incarnation;
    private volatile LeaderInfo? leader;
    private int raftRestarts;
    private bool warmedUp; // under restartLock

    private ReplicatedRegistry(ReplicationOptions options, ILoggerFactory loggerFactory)
    {
        this.options = options;
        logger = loggerFactory.CreateLogger<ReplicatedRegistry>();
        raftLoggers = new ObservedLoggerFactory(loggerFactory, walFaults);
        activity = new RaftActivity(options.RaftEndPoint.ToString(), options.LowerElectionTimeout / 2,
            (what, ms) => LogSlow(logger, what, (long)ms));
        walFaults.FaultDetected += e => _ = Task.Run(() => RecoverFromWalFaultAsync(e));
        restartPipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(50),
                MaxDelay = TimeSpan.FromSeconds(2),
                MaxRetryAttempts = 10,
            })
            .Build();
        proposals = new ProposalPump(ReplicateEntryAsync, options.ProposalQueueCapacity, options.MaxReplicationsInFlight,
            options.MaxCommandsPerEntry);
        journal = new LeadershipJournal(options.DataDirectory);
        BecameLeader += t => journal.Record(t.Term, leader: true);
        LostLeadership += term => journal.Record(term, leader: false);
    }

    /// <summary>Starts this master's Raft member. Throws <see cref="ArgumentException"/> on invalid options.</summary>
    public static async Task<ReplicatedRegistry> StartAsync(ReplicationOptions options, ILoggerFactory loggerFactory,
        CancellationToken token = default)
    {
        var registry = Create(options, loggerFactory);
        await registry.StartRaftAsync(token).ConfigureAwait(false);
        return registry;
    }

    /// <summary>
    /// A registry whose Raft member is not started yet: subscribe to its events and bring up the rest
    /// of the process first, then call <see cref="StartRaftAsync"/>. Until then it is a follower that
    /// knows no leader. Throws <see cref="ArgumentException"/> on invalid options.
    /// </summary>
    public static ReplicatedRegistry Create(ReplicationOptions options, ILoggerFactory loggerFactory)
    {
        if (options.Validate() is { } error) throw new ArgumentException(error, nameof(options));
        return new ReplicatedRegistry(options, loggerFactory);
    }

    /// <summary>Starts the Raft member (once). It may take part in an election as soon as this returns.</summary>
    public async Task StartRaftAsync(CancellationToken token = default)
    {
        await restartLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            if (incarnation is not null) throw new InvalidOperationException("the Raft member is already started");
            await StartIncarnationAsync(token).ConfigureAwait(false);
        }
        finally
        {
            restartLock.Release();
        }
    }

    /// <summary>Raised when this master becomes leader, after every committed entry has been applied.</summary>
    public event Action<LeadershipTerm>? BecameLeader;

    /// <summary>Raised (with the term) as soon as this master stops leading.</summary>
    public event Action<long>? LostLeadership;

    /// <summary>
    /// Raised whenever the leader this master knows of changes: null when it knows none (its election
    /// timer ran out, a candidate of a newer term asked for its vote, or it stopped leading itself). Raised
    /// synchronously where the change is seen (DotNext's own event, or the start of a Raft member):
    /// handlers must be quick, must not block and must not throw.
    /// </summary>
    public event Action<LeaderChange>? LeaderChanged;

    /// <summary>Raised when this master's Raft member could not be restarted after a fault: the process should exit.</summary>
    public event Action<Exception>? Faulted;

    public ReplicationOptions Options => options;

    public InjectedBugs InjectedBugs => options.InjectedBugs;

    /// <summary>
    /// True while this master leads, its term's first entry is committed and a majority answered it
    /// within the leader lease. Leader-only work (offers, launches) stops the moment this turns false.
    /// </summary>
    public bool IsLeader => incarnation?.IsLeader ?? false;

    /// <summary>Tests only: this member's applier waits this long before each entry (it lags its commit index).</summary>
    internal TimeSpan ApplyDelayForTests
    {
        set => (incarnation ?? throw new InvalidOperationException("the Raft member is not started")).Node.StateMachine.ApplyDelayForTests = value;
    }

    /// <summary>This node's current Raft term (it may run ahead of the term it leads in, for an instant, when deposed).</summary>
    public long Term => incarnation?.Node.Cluster.Term ?? 0;

    /// <summary>The term this master leads in, or null when it does not lead.</summary>
    public long? LeadershipTerm => incarnation is { HoldsLeadership: true } current ? current.LeaderTerm : null;

    /// <summary>Who leads as far as this master knows; null when no leader is known.</summary>
    public LeaderInfo? Leader => incarnation is null ? null : leader;

    /// <inheritdoc/>
    public bool LeaderQuiet => incarnation is { LastRemoteLeader: not null } && activity.SinceHeartbeat is var quiet
        && quiet >= options.LowerElectionTimeout / 2 && quiet != TimeSpan.MaxValue;

    /// <summary>This master's applied copy of the registry (may trail the leader).</summary>
    public Registry.Registry LocalRegistry => incarnation?.Node.StateMachine.Current ?? Registry.Registry.Empty;

    /// <summary>Index of the last entry applied here (entries without a payload, such as a new leader's first entry, count).</summary>
    public long AppliedIndex => incarnation?.Node.Log.LastAppliedIndex ?? 0;

    public long CommitIndex => incarnation?.Node.Log.LastCommittedEntryIndex ?? 0;

    public long CheckpointIndex => incarnation?.Node.StateMachine.CheckpointIndex ?? 0;

    public int SnapshotsInstalled => incarnation?.Node.StateMachine.SnapshotsInstalled ?? 0;

    public int Compactions => incarnation?.Node.StateMachine.Compactions ?? 0;

    /// <summary>How many times the Raft member was restarted in place after a fault.</summary>
    public int RaftRestarts => Volatile.Read(ref raftRestarts);

    /// <summary>Heartbeat rounds led here that took at least half the lower election timeout (followers' timers nearly ran out).</summary>
    public long SlowHeartbeatRounds => activity.SlowRounds;

    /// <summary>Write-ahead-log flushes here that took at least half the lower election timeout (a leader sends no heartbeat meanwhile).</summary>
    public long SlowLogFlushes => activity.SlowFlushes;

    /// <summary>Appends this master answered as a follower only after flushing their entries, since its Raft member last started (see <see cref="FlushBeforeAckLog"/>).</summary>
    public long FollowerFlushedAppends => incarnation?.Node.Log.FlushedAppends ?? 0;

    /// <summary>
    /// Proposes a command and returns its committed result once a majority of masters flushed it to
    /// disk and this master applied it. Throws <see cref="InvalidRegistryCommandException"/> before proposing
    /// a malformed command, and <see cref="NotLeaderException"/> when this master does not lead.
    /// </summary>
    public async Task<CommandResult> ProposeAsync(RegistryCommand command, CancellationToken token = default)
    {
        var envelope = new CommandEnvelope(RegistryCommandCodec.CurrentVersion, Guid.NewGuid(), command);
        var pending = new PendingCommand(envelope.RequestId, RegistryCommandCodec.Encode(envelope));
        // Only Raft leadership gates proposals: during a lapsed lease they wait for a majority (and
        // fail if the leader resigns), which is safe because nothing commits without one.
        if (incarnation is not { HoldsLeadership: true }) throw new NotLeaderException(Leader) { NothingWritten = true };
        await proposals.EnqueueAsync(pending, token).ConfigureAwait(false);
        if (options.InjectedBugs.HasFlag(InjectedBugs.AckBeforeCommit)) return LocalRegistry.Apply(command).Result; // injected bug: answered before commit
        // Applied here means committed, and a committed entry is on disk on a majority: the leader
        // flushes before it commits, and followers flush before they answer (FlushBeforeAckLog).
        return await pending.Result.WaitAsync(token).ConfigureAwait(false);
    }

    private Task ReplicateEntryAsync(byte[] payload, PendingBatch batch, CancellationToken token) =>
        ReplicateAsync(payload, batch, token);

    /// <summary>Appends one entry in the term this master leads in and returns once it is committed and applied here.</summary>
    private async Task ReplicateAsync(byte[] payload, object? context, CancellationToken token)
    {
        var current = incarnation;
        if (current is null || !current.HoldsLeadership) throw new NotLeaderException(Leader) { NothingWritten = true }; // before the append
        // The entry carries the term this master leads in, captured when leadership was confirmed.
        // DotNext's own helper labels entries with the node's current term, which a newer leader's
        // message may already have raised while this node still acts as leader: the stale entry then
        // matches the new leader's entry at the same index and term and gets committed here
        // (reproduced by PausedLeader_IsReplaced_AndCannotCommitWhenItWakesUp).
        var entry = new BinaryLogEntry { Content = payload, Term = current.LeaderTerm, Context = context };
        try
        {
            await current.Node.Cluster.ReplicateAsync(entry, token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DotNext.Net.Cluster.Consensus.Raft.NotLeaderException or InvalidOperationException or ObjectDisposedException)
        {
            throw new NotLeaderException(Leader, e);
        }
    }

    /// <summary>Reads the registry at the requested consistency.</summary>
    public async Task<Registry.Registry> ReadAsync(ReadConsistency consistency, CancellationToken token = default)
    {
        var current = incarnation;
        if (consistency == ReadConsistency.LocalStale || options.InjectedBugs.HasFlag(InjectedBugs.SkipReadBarrier)) // injected bug: no barrier
            return current?.Node.StateMachine.Current ?? Registry.Registry.Empty;
        if (current is null || !current.IsLeader) throw new NotLeaderException(Leader);
        try
        {
            await ((IRaftCluster)current.Node.Cluster).ApplyReadBarrierAsync(token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DotNext.Net.Cluster.Consensus.Raft.NotLeaderException or InvalidOperationException or ObjectDisposedException)
        {
            throw new NotLeaderException(Leader, e);
        }
        if (!current.IsLeader) throw new NotLeaderException(Leader);
        return current.Node.StateMachine.Current;
    }

    /// <summary>Stops the Raft member and starts it again from its data directory (what recovers the write-ahead-log fault).</summary>
    public Task RestartRaftNodeAsync(string reason, CancellationToken token = default) =>
        RestartRaftNodeAsync(reason, discarding: null, token);

    /// <summary>
    /// Restarts the Raft member; when <paramref name="discarding"/> is given, only if it is still the running
    /// incarnation, and with its log and registry thrown away in between (see <see cref="RaftNode.DiscardLocalState"/>).
    /// Returns false when <paramref name="discarding"/> was already replaced.
    /// </summary>
    private async Task<bool> RestartRaftNodeAsync(string reason, Incarnation? discarding, CancellationToken token)
    {
        await restartLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            if (discarding is not null && incarnation != discarding) return false;
            LogRestarting(logger, reason);
            var old = incarnation;
            incarnation = null;
            leader = null;
            if (old is not null) await old.DisposeAsync().ConfigureAwait(false);
            if (discarding is not null) RaftNode.DiscardLocalState(options);
            await restartPipeline.ExecuteAsync(async ct => await StartIncarnationAsync(ct).ConfigureAwait(false), token)
                .ConfigureAwait(false);
            Interlocked.Increment(ref raftRestarts);
            walFaults.Rearm();
            return true;
        }
        finally
        {
            restartLock.Release();
        }
    }

    /// <summary>The logger factory handed to DotNext (tests log through it as DotNext would).</summary>
    internal ILoggerFactory RaftLoggerFactory => raftLoggers;

    private async Task RecoverFromWalFaultAsync(Exception fault)
    {
        LogWalFault(logger, fault);
        try
        {
            await RestartRaftNodeAsync("write-ahead-log fault", lifetime.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested) { }
        catch (Exception e)
        {
            LogRestartFailed(logger, e);
            Faulted?.Invoke(e);
        }
    }

    private async Task StartIncarnationAsync(CancellationToken token)
    {
        if (options.WarmUp && !warmedUp)
        {
            // Once per process: an in-place restart after a fault finds the code already compiled.
            warmedUp = true;
            await RaftNode.WarmUpAsync(options, logger, TimeSpan.FromSeconds(10), token).ConfigureAwait(false);
        }
        var node = await RaftNode.StartAsync(options, raftLoggers, logger, token).ConfigureAwait(false);
        var next = new Incarnation(node);
        node.Cluster.LeaderChanged += (_, _) => OnLeaderChanged(next);
        node.Log.ConflictDetected += conflict => OnCommittedEntryConflict(next, conflict);
        incarnation = next;
        OnLeaderChanged(next);
        next.LeadershipLoop = Task.Run(() => FollowLeadershipAsync(next));
        next.SuspicionLoop = Task.Run(() => WatchLeaderHeartbeatsAsync(next));
    }

    public async ValueTask DisposeAsync()
    {
        await lifetime.CancelAsync().ConfigureAwait(false);
        await proposals.DisposeAsync().ConfigureAwait(false);
        await restartLock.WaitAsync().ConfigureAwait(false);
        try
        {
            var current = incarnation;
            incarnation = null;
            if (current is not null) await current.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            restartLock.Release();
            activity.Dispose();
            journal.Dispose();
        }
    }

    /// <summary>A running Raft node with the token that stops everything attached to it.</summary>
    private sealed class Incarnation(RaftNode node) : IAsyncDisposable
    {
        private readonly CancellationTokenSource stopping = new();

        public RaftNode Node { get; } = node;
        public CancellationToken Stopping => stopping.Token;
        public Task? LeadershipLoop { get; set; }
        public Task? SuspicionLoop { get; set; }

        /// <summary>The last leader this member followed (null while it leads itself).</summary>
        public volatile System.Net.EndPoint? LastRemoteLeader;

        /// <summary>The Raft leader (and term) this incarnation last followed; only under the leader-change lock.</summary>
        public RaftClusterMember? LeaderSeen { get; set; }
        public long LeaderSeenTerm { get; set; } = -1;
        public CancellationToken LeadershipToken { get; set; } = new(canceled: true);
        public long LeaderTerm { get; set; }

        /// <summary>Set once a committed-entry conflict was seen: this incarnation's state is being thrown away.</summary>
        public int ConflictSeen;

        /// <summary>Raft leadership confirmed in <see cref="LeaderTerm"/> and not yet lost.</summary>
        public bool HoldsLeadership => !LeadershipToken.IsCancellationRequested && !stopping.IsCancellationRequested;

        /// <summary>
        /// Leads and a majority confirmed it within the lease: what leader-only work (offers, launches) must
        /// check. The lease token is read, not the watcher's flag: a leader that was paused wakes up with its
        /// lease run out before the watcher has run again, and a new leader's first lease is granted up to a
        /// watcher tick before the watcher sees it (that wait cost the first offer after a failover ~50 ms).
        /// </summary>
        public bool IsLeader => HoldsLeadership && Node.Cluster.TryGetLeaseToken(out var lease) && !lease.IsCancellationRequested;

        public async ValueTask DisposeAsync()
        {
            await stopping.CancelAsync().ConfigureAwait(false);
            if (LeadershipLoop is { } loop) await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (SuspicionLoop is { } suspicion) await suspicion.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await Node.DisposeAsync().ConfigureAwait(false);
            stopping.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Became leader in term {Term} at applied index {Index}")]
    private static partial void LogBecameLeader(ILogger logger, long term, long index);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not serving as leader: the newest committed entry has term {CommittedTerm} but the node is in term {Term}")]
    private static partial void LogTermMoved(ILogger logger, long committedTerm, long term);

    [LoggerMessage(Level = LogLevel.Information, Message = "Leader lease expired in term {Term}: not taking proposals until a majority answers")]
    private static partial void LogLeaseExpired(ILogger logger, long term);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No majority renewed the leader lease in term {Term} for {CountedMs} ms of running time ({ElapsedMs} ms elapsed): resigning")]
    private static partial void LogLeaseLost(ILogger logger, long term, long countedMs, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Lost leadership of term {Term}")]
    private static partial void LogLostLeadership(ILogger logger, long term);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restarting the Raft member: {Reason}")]
    private static partial void LogRestarting(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Write-ahead-log fault detected")]
    private static partial void LogWalFault(ILogger logger, Exception fault);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The Raft member could not be restarted")]
    private static partial void LogRestartFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Slow {What}: {ElapsedMs} ms")]
    private static partial void LogSlow(ILogger logger, string what, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Leader {EndPoint} did not give its metadata: {Reason}")]
    private static partial void LogMetadataUnavailable(ILogger logger, string endPoint, string reason);
}
