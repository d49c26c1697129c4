namespace Mesos.HA.Replication;

/// <summary>
/// Holds a committed write back from its proposer until it is flushed on a majority of masters.
/// </summary>
/// <remarks>
/// <para>Why a commit is not enough: a DotNext 6.12 follower answers AppendEntries as soon as the new
/// entries are in its pages, before they are flushed; the leader commits on those answers (and its
/// own flush). What a follower does guarantee is that, before it answers a request whose leader
/// commit index is c, everything up to min(c, the request's last index) is flushed on it (its commit
/// waits for the flush). The leader counts an answer toward a commit only when it succeeded.</para>
/// <para>So: once an entry appended <em>after</em> index i was committed here, every member of the
/// majority that committed it answered a request sent after i was committed (carrying commit ≥ i)
/// that reached at least i: i is flushed on a majority, the leader's own flush included.</para>
/// <para>Any later entry will do, so concurrent writes share the work: a batch appended after a
/// write committed releases it for free; only when nothing else is appended does the barrier
/// append an empty entry of its own (one for every write waiting at that moment).</para>
/// <para>Tickets: a proposer takes one after its entry was applied here (so after its commit).
/// <see cref="Capture"/> is called just before an entry is appended and <see cref="Settle"/> when
/// its replication ends; a committed entry frees every ticket up to the one it captured. Thread-safe.</para>
/// </remarks>
internal sealed class DurabilityBarrier : IAsyncDisposable
{
    private readonly Func<CancellationToken, Task> appendEmptyEntry;
    private readonly Lock gate = new();
    private readonly Queue<(long Ticket, TaskCompletionSource Waiter)> waiting = new();
    private readonly SemaphoreSlim wake = new(0);
    private readonly CancellationTokenSource lifetime = new();
    private readonly Task pump;
    private readonly List<long> inFlight = [];
    private long issued;
    private long released;
    private long barrierEntries;

    /// <summary>How long tickets may wait on proposals that are queued but not yet appended before an empty entry is appended anyway.</summary>
    public static readonly TimeSpan QueuedProposalsGrace = TimeSpan.FromMilliseconds(20);

    private readonly Func<bool> proposalsQueued;

    /// <param name="appendEmptyEntry">Appends an entry without payload in this leader's term and returns once it is committed; throws <see cref="NotLeaderException"/> when this master does not lead.</param>
    /// <param name="proposalsQueued">True while proposals wait to be packed into an entry: that entry, appended after the tickets waiting now, will release them.</param>
    public DurabilityBarrier(Func<CancellationToken, Task> appendEmptyEntry, Func<bool>? proposalsQueued = null)
    {
        this.appendEmptyEntry = appendEmptyEntry;
        this.proposalsQueued = proposalsQueued ?? (() => false);
        pump = Task.Run(PumpAsync);
    }

    /// <summary>Empty entries appended because no other entry followed a write in time.</summary>
    public long BarrierEntries => Interlocked.Read(ref barrierEntries);

    /// <summary>Completes once an entry appended after this call has committed. Call it after the write's own entry committed.</summary>
    public Task WaitAsync(CancellationToken token)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            if (lifetime.IsCancellationRequested) throw new ObjectDisposedException(nameof(DurabilityBarrier));
            waiting.Enqueue((++issued, waiter));
        }
        wake.Release();
        return waiter.Task.WaitAsync(token);
    }

    /// <summary>Called just before an entry is appended: the tickets its commit will release.</summary>
    public long Capture()
    {
        lock (gate)
        {
            inFlight.Add(issued);
            return issued;
        }
    }

    /// <summary>The entry appended after <see cref="Capture"/> returned <paramref name="captured"/> committed, or failed to.</summary>
    public void Settle(long captured, bool committed)
    {
        List<TaskCompletionSource> done = [];
        lock (gate)
        {
            inFlight.Remove(captured);
            if (committed)
            {
                released = Math.Max(released, captured);
                while (waiting.TryPeek(out var head) && head.Ticket <= released)
                    done.Add(waiting.Dequeue().Waiter);
            }
        }
        foreach (var waiter in done) waiter.TrySetResult();
        // A failed entry may have been the one a ticket counted on: let the pump look again.
        if (!committed) wake.Release();
    }

    /// <summary>Fails every ticket issued so far (leadership lost while they waited): their outcome is unknown to the proposer.</summary>
    public void FailWaiting(Exception error)
    {
        List<TaskCompletionSource> failed = [];
        lock (gate)
        {
            while (waiting.TryDequeue(out var entry)) failed.Add(entry.Waiter);
            released = Math.Max(released, issued);
        }
        foreach (var waiter in failed) waiter.TrySetException(error);
    }

    private async Task PumpAsync()
    {
        var token = lifetime.Token;
        try
        {
            while (true)
            {
                // Woken by a new ticket or a failed entry; on a quiet timeout, tickets still waiting get
                // an empty entry even if proposals are queued (whatever keeps them from being appended).
                var woken = await wake.WaitAsync(QueuedProposalsGrace, token).ConfigureAwait(false);
                while (NeedsEmptyEntry(deferToQueuedProposals: woken, out var captured))
                {
                    var committed = false;
                    try
                    {
                        Interlocked.Increment(ref barrierEntries);
                        await appendEmptyEntry(token).ConfigureAwait(false);
                        committed = true;
                    }
                    catch (OperationCanceledException) when (token.IsCancellationRequested)
                    {
                        throw;
                    }
                    catch (Exception e)
                    {
                        FailWaiting(e is NotLeaderException ? e : new NotLeaderException(null, e));
                    }
                    finally
                    {
                        Settle(captured, committed);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested) { }
        FailWaiting(new ObjectDisposedException(nameof(DurabilityBarrier)));
    }

    /// <summary>
    /// True when a ticket waits that no entry in flight or queued will release; then captures for the
    /// empty entry about to be appended. A ticket some batch in flight already covers is left to it.
    /// </summary>
    private bool NeedsEmptyEntry(bool deferToQueuedProposals, out long captured)
    {
        lock (gate)
        {
            captured = 0;
            if (!waiting.TryPeek(out _) || issued <= released) return false;
            if (inFlight.Count > 0 && inFlight.Max() >= issued) return false;
            // Queued proposals will be appended after these tickets were issued: their entry releases them.
            if (deferToQueuedProposals && proposalsQueued()) return false;
            inFlight.Add(issued);
            captured = issued;
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await lifetime.CancelAsync().ConfigureAwait(false);
        await pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lifetime.Dispose();
        wake.Dispose();
    }
}
