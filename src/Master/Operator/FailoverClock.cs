namespace Mesos.HA.Master.Operator;

/// <summary>The phases of a failover that <see cref="FailoverClock"/> times.</summary>
public enum FailoverPhase
{
    /// <summary>From losing the leader to knowing a new one (any master that noticed the loss).</summary>
    Election,

    /// <summary>From losing the leader to this master leading: elected, its term's first entry committed and applied (the new leader only).</summary>
    Leading,
}

/// <summary>
/// Times failovers as one master sees them. "Losing the leader" is the moment this master stops knowing
/// the leader of term T (its election timer ran out, a candidate of a newer term asked for its vote, or
/// it led T and stopped); the failover ends with a leader of a newer term. The same leader coming back in
/// T (a pre-vote that failed) ends it without a measurement, and the first leader after start-up is no
/// failover. Measures what this master can see: the leader's death itself is visible to no one, so every
/// duration lacks the election timeout that passed before the loss was noticed.
/// </summary>
/// <remarks>Pure: the caller passes monotonic timestamps of <paramref name="time"/> and serialises calls.</remarks>
public sealed class FailoverClock(TimeProvider time)
{
    private long? knownTerm;
    private long? lostAt;
    private long lostTerm;
    private bool electionTimed;

    /// <summary>This master stopped knowing a leader (or stopped leading itself).</summary>
    public void LeaderLost(long timestamp)
    {
        if (knownTerm is not { } term || lostAt is not null) return;
        lostAt = timestamp;
        lostTerm = term;
        electionTimed = false;
    }

    /// <summary>This master learned of a leader of <paramref name="term"/>; returns the election phase when this ends one.</summary>
    public TimeSpan? LeaderKnown(long term, bool isLocal, long timestamp)
    {
        TimeSpan? election = null;
        if (lostAt is { } at)
        {
            if (term <= lostTerm) lostAt = null;
            else
            {
                if (!electionTimed) election = time.GetElapsedTime(at, timestamp);
                electionTimed = true;
                // A remote leader ends the failover here; this master's own election ends when it starts leading.
                if (!isLocal) lostAt = null;
            }
        }
        knownTerm = term;
        return election;
    }

    /// <summary>This master started leading in <paramref name="term"/>; returns the leading phase when this ends a failover.</summary>
    public TimeSpan? BecameLeader(long term, long timestamp)
    {
        knownTerm = Math.Max(knownTerm ?? term, term);
        if (lostAt is not { } at) return null;
        lostAt = null;
        return term > lostTerm ? time.GetElapsedTime(at, timestamp) : null;
    }
}
