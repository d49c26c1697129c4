using DotNext.IO.Log;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;

namespace Mesos.HA.Replication;

/// <summary>
/// DotNext's <see cref="WriteAheadLog"/>, except that a follower's append returns only once the
/// entries it appended are flushed, so a follower acknowledges AppendEntries only for entries that
/// survive a power loss. It also notices when a leader sends, at an index this log already holds as
/// committed, an entry of another term.
/// </summary>
/// <remarks>
/// <para>Why: DotNext's follower handler appends, commits up to the leader's commit index and answers;
/// the background flush of the new entries ends after the answer. The leader counts that answer toward
/// a commit, so an entry could be committed and applied on the leader while the majority had it in
/// memory only. After a power loss the others elected without it and wrote another entry at its index;
/// the old leader, whose own log (and stored commit index) held it as committed, kept its entry
/// (DotNext's follower skips entries at committed indexes) and applied the new leader's entries after
/// it: a registry that differed from the others' at the same applied index.</para>
/// <para>How: the follower handler calls the batch overload of <c>IAuditTrail&lt;IRaftLogEntry&gt;.AppendAsync</c>
/// through the interface and nothing else does (a leader appends one entry at a time). This class
/// re-implements that interface so that overload appends through the base class, then waits for the
/// flush. The handler answers after it returns. The leader's own commit already waits for its own flush.</para>
/// </remarks>
internal sealed class FlushBeforeAckLog : WriteAheadLog, IAuditTrail<IRaftLogEntry>
{
    private long flushedAppends;

    public FlushBeforeAckLog(Options configuration, IStateMachine stateMachine)
        : base(configuration, stateMachine)
    {
    }

    /// <summary>
    /// Raised on the append path when the leader's entry at an index committed here has another term; the
    /// append then throws <see cref="CommittedEntryConflictException"/> instead of returning, so the follower does not acknowledge.
    /// </summary>
    public event Action<CommittedEntryConflict>? ConflictDetected;

    /// <summary>Follower appends carrying entries that waited for them to be flushed before the answer.</summary>
    public long FlushedAppends => Interlocked.Read(ref flushedAppends);

    async ValueTask IAuditTrail<IRaftLogEntry>.AppendAsync<TEntry>(ILogEntryProducer<TEntry> entries, long startIndex,
        bool skipCommitted, CancellationToken token)
    {
        var empty = entries.RemainingCount is 0;
        var committed = LastCommittedEntryIndex;
        var recorder = startIndex <= committed ? new CommittedTermRecorder<TEntry>(entries, startIndex, committed) : null;
        await AppendAsync(recorder ?? entries, startIndex, skipCommitted, token).ConfigureAwait(false);
        if (recorder is { Received.Count: > 0 })
            await CheckCommittedAsync(recorder.Received, token).ConfigureAwait(false);
        // Also after a heartbeat: an earlier append whose flush was cancelled left entries that its answer
        // (prevLogIndex) would now acknowledge. When all is flushed already this returns at once.
        await FlushAsync(token).ConfigureAwait(false);
        if (!empty) Interlocked.Increment(ref flushedAppends);
    }

    private async ValueTask CheckCommittedAsync(IReadOnlyList<(long Index, long Term)> received, CancellationToken token)
    {
        var local = new List<(long Index, long Term)>(received.Count);
        foreach (var (index, _) in received)
        {
            // At or below the snapshot the log holds the snapshot instead of entries: nothing to compare.
            using var reader = await ReadAsync(index, index, token).ConfigureAwait(false);
            foreach (var entry in reader)
                if (entry.Index == index && !entry.IsSnapshot) local.Add((index, entry.Term));
        }
        if (CommittedEntryConflict.Find(received, local) is not { } conflict) return;
        ConflictDetected?.Invoke(conflict);
        throw new CommittedEntryConflictException(conflict);
    }

    /// <summary>Passes entries through and notes the index and term of those at indexes committed here when the append began.</summary>
    private sealed class CommittedTermRecorder<TEntry>(ILogEntryProducer<TEntry> inner, long startIndex, long committed)
        : ILogEntryProducer<TEntry>
        where TEntry : IRaftLogEntry
    {
        private long next = startIndex;

        public List<(long Index, long Term)> Received { get; } = [];

        public TEntry Current => inner.Current;

        public long RemainingCount => inner.RemainingCount;

        public async ValueTask<bool> MoveNextAsync()
        {
            if (!await inner.MoveNextAsync().ConfigureAwait(false)) return false;
            var index = next++;
            if (index <= committed) Received.Add((index, inner.Current.Term));
            return true;
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
