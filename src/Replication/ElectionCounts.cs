namespace Mesos.HA.Replication;

/// <summary>Why a new leader term came about, as this master classifies it.</summary>
public enum ElectionCause
{
    /// <summary>The first leader this master learned of since it started: nothing was known before.</summary>
    StartUp,

    /// <summary>The previous leader was asked to step down (<see cref="ReplicatedRegistry.NoteStepDownRequested"/>).</summary>
    StepDown,

    /// <summary>Anything else: a member's election timer ran out (a fault, or a stall that looked like one).</summary>
    Timeout,
}

/// <summary>
/// Leader terms this master has seen begin, by cause, and how often this member stood as a candidate.
/// One master's view: every master counts each new leader term it learns of once.
/// </summary>
public readonly record struct ElectionCounts(long StartUp, long StepDown, long Timeout, long Candidacies)
{
    public long Total => StartUp + StepDown + Timeout;
}
