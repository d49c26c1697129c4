using Microsoft.Extensions.Logging;

namespace Mesos.HA.Replication;

/// <summary>Throwing away a registry that applied an entry the group lost, and taking the leader's instead.</summary>
public sealed partial class ReplicatedRegistry
{
    private int stateReinstalls;

    /// <summary>
    /// How many times this master threw away its log and registry because a leader contradicted an entry it
    /// had committed (<see cref="CommittedEntryConflict"/>), and took the leader's state instead.
    /// Zero while followers acknowledge only flushed entries; anything else is a durability fault to look into.
    /// </summary>
    public int StateReinstalls => Volatile.Read(ref stateReinstalls);

    /// <summary>
    /// Called on the follower's append path. The state machine cannot take back what it applied, and
    /// DotNext keeps entries at indexes it holds as committed, so this master would go on with a registry
    /// that differs from the group's. It restarts its Raft member with an empty log and registry (its term
    /// and vote are kept): the leader then sends its snapshot and log, as to a wiped member.
    /// </summary>
    private void OnCommittedEntryConflict(Incarnation source, CommittedEntryConflict conflict)
    {
        if (Interlocked.Exchange(ref source.ConflictSeen, 1) != 0) return;
        LogCommittedEntryConflict(logger, conflict.Index, conflict.LocalTerm, conflict.LeaderTerm);
        _ = Task.Run(() => ReinstallAsync(source, conflict));
    }

    private async Task ReinstallAsync(Incarnation source, CommittedEntryConflict conflict)
    {
        try
        {
            var reason = $"the leader's entry at committed index {conflict.Index} has term {conflict.LeaderTerm}, ours {conflict.LocalTerm}: reinstalling the registry from the leader";
            if (await RestartRaftNodeAsync(reason, discarding: source, lifetime.Token).ConfigureAwait(false))
                Interlocked.Increment(ref stateReinstalls);
        }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested) { }
        catch (Exception e)
        {
            LogRestartFailed(logger, e);
            Faulted?.Invoke(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The leader's entry at index {Index} has term {LeaderTerm} where this master committed an entry of term {LocalTerm}: this registry applied an entry the group lost")]
    private static partial void LogCommittedEntryConflict(ILogger logger, long index, long localTerm, long leaderTerm);
}
