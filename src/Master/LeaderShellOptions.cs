namespace Mesos.HA.Master;

/// <summary>Timing of the leading master's periodic work.</summary>
public sealed record LeaderShellOptions
{
    /// <summary>Batch allocation period (Mesos: 1 s).</summary>
    public TimeSpan AllocationInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// An allocation asked for by a decision (resources freed, a framework subscribed) runs this much
    /// later, so that what is freed meanwhile goes out in the same offers instead of one sliver each.
    /// </summary>
    public TimeSpan AllocationBatchDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How long known agents have to re-register with a new leader (Mesos: 10 min; ours: 60 s).</summary>
    public TimeSpan AgentReregisterTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Offers not answered within this are rescinded; null keeps them.</summary>
    public TimeSpan? OfferTimeout { get; init; }

    /// <summary>How often the leader pings each agent (Mesos: 15 s; ours: 1 s).</summary>
    public TimeSpan AgentPingInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Ping periods an agent may stay silent before it is marked unreachable (Mesos: 5).</summary>
    public int MaxAgentPingTimeouts { get; init; } = 5;

    /// <summary>
    /// When set, each leadership journals its core's inputs here (<c>tT-XXXXXXXX.journal</c>, named by its offer-id prefix), to be
    /// stepped through again with <c>mesos-ha replay</c>. Written without a flush to disk: a debugging
    /// aid, not a durable log.
    /// </summary>
    public string? RecordInputsDirectory { get; init; }
}
