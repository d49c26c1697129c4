using Microsoft.Extensions.Logging;

namespace Mesos.HA.Replication;

/// <summary>Counting elections by cause (see <see cref="ElectionCause"/>).</summary>
public sealed partial class ReplicatedRegistry
{
    /// <summary>A step-down request counts as the cause of the next new leader term seen within this window.</summary>
    private static readonly TimeSpan StepDownWindow = TimeSpan.FromSeconds(10);

    private readonly Lock electionLock = new();
    private long lastLeaderTerm = -1;
    private long electionsStartUp, electionsStepDown, electionsTimeout;
    private DateTime? stepDownRequestedAt;

    /// <summary>
    /// Records that the current leader was asked to step down (by an operator, or by this master
    /// resigning on purpose), so the election that follows is counted as <see cref="ElectionCause.StepDown"/>
    /// rather than as a timeout.
    /// </summary>
    public void NoteStepDownRequested()
    {
        lock (electionLock) stepDownRequestedAt = DateTime.UtcNow;
    }

    /// <summary>Elections seen so far, by cause, and this member's candidacies.</summary>
    public ElectionCounts Elections
    {
        get
        {
            lock (electionLock)
                return new ElectionCounts(electionsStartUp, electionsStepDown, electionsTimeout, activity.Candidacies);
        }
    }

    /// <summary>Called with every leader this master learns of; counts each leader term once.</summary>
    private void CountElection(long term, string leaderEndPoint)
    {
        ElectionCause cause;
        lock (electionLock)
        {
            if (term <= lastLeaderTerm) return;
            var first = lastLeaderTerm < 0;
            lastLeaderTerm = term;
            if (first) cause = ElectionCause.StartUp;
            else if (stepDownRequestedAt is { } at && DateTime.UtcNow - at < StepDownWindow) cause = ElectionCause.StepDown;
            else cause = ElectionCause.Timeout;
            stepDownRequestedAt = null;
            switch (cause)
            {
                case ElectionCause.StartUp: electionsStartUp++; break;
                case ElectionCause.StepDown: electionsStepDown++; break;
                default: electionsTimeout++; break;
            }
        }
        LogElection(logger, term, leaderEndPoint, cause);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Leader of term {Term} is {Leader} (election cause: {Cause})")]
    private static partial void LogElection(ILogger logger, long term, string leader, ElectionCause cause);
}
