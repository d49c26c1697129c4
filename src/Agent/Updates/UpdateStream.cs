using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;

namespace Mesos.HA.Agent.Updates;

/// <summary>What an acknowledgement did to a stream.</summary>
public enum AckOutcome
{
    /// <summary>It acknowledged the update at the head: the next one may be sent.</summary>
    Accepted,
    /// <summary>That update was acknowledged before (a resend crossed the acknowledgement).</summary>
    Duplicate,
    /// <summary>No such update is waiting (unknown uuid, or not the head: acknowledgements come in order).</summary>
    Unexpected,
}

/// <summary>
/// One task's status updates as the status update manager keeps them: in order, each sent until
/// the framework acknowledges it, the next only after that; duplicates (same uuid) dropped. Pure:
/// the time is passed in, nothing is written or sent here.
/// </summary>
public sealed class UpdateStream(TimeSpan firstResend, TimeSpan maxResend)
{
    private readonly Queue<StatusUpdate> pending = new();
    private readonly HashSet<Guid> seen = new();
    private TimeSpan backoff = TimeSpan.Zero;

    /// <summary>The update to deliver now, if any.</summary>
    public StatusUpdate? Head => pending.TryPeek(out var head) ? head : null;

    public int PendingCount => pending.Count;

    /// <summary>The task reached a terminal state (its last update says so).</summary>
    public bool Terminal { get; private set; }

    /// <summary>Terminal and every update acknowledged: nothing more will ever be sent for the task.</summary>
    public bool Completed => Terminal && pending.Count == 0;

    /// <summary>When the head is due to be (re)sent.</summary>
    public DateTimeOffset DueAt { get; private set; } = DateTimeOffset.MinValue;

    /// <summary>Adds an update behind the others; false for a uuid already seen.</summary>
    public bool Add(StatusUpdate update)
    {
        if (!seen.Add(update.Uuid)) return false;
        pending.Enqueue(update);
        if (update.State.IsTerminal()) Terminal = true;
        return true;
    }

    /// <summary>Whether an update with this uuid was ever added (an executor resending one it sent before).</summary>
    public bool Seen(Guid uuid) => seen.Contains(uuid);

    public AckOutcome Acknowledge(Guid uuid, DateTimeOffset now)
    {
        if (pending.TryPeek(out var head) && head.Uuid == uuid)
        {
            pending.Dequeue();
            backoff = TimeSpan.Zero;
            DueAt = now;
            return AckOutcome.Accepted;
        }
        return seen.Contains(uuid) && pending.All(p => p.Uuid != uuid) ? AckOutcome.Duplicate : AckOutcome.Unexpected;
    }

    /// <summary>The head was sent at <paramref name="now"/>: it is due again after the current backoff, which doubles.</summary>
    public void Sent(DateTimeOffset now)
    {
        if (backoff == TimeSpan.Zero) backoff = firstResend;
        DueAt = now + backoff;
        backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, maxResend.Ticks));
    }

    /// <summary>A new connection to a leader: the head goes out at once.</summary>
    public void Reconnected(DateTimeOffset now)
    {
        backoff = TimeSpan.Zero;
        DueAt = now;
    }
}
