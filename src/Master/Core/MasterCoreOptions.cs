using Mesos.HA.Master.Allocation;

namespace Mesos.HA.Master.Core;

/// <summary>Settings of the leading master's decision core.</summary>
public sealed record MasterCoreOptions
{
    /// <summary>Prefix of offer ids (the leader's term), so ids never repeat across failovers.</summary>
    public required string OfferIdPrefix { get; init; }

    /// <summary>Offers not answered within this are rescinded; null keeps them until answered (Mesos' default).</summary>
    public TimeSpan? OfferTimeout { get; init; }

    /// <summary>How long a decline keeps the agent's resources away from the framework when it gives no refuse_seconds.</summary>
    public TimeSpan DefaultRefuse { get; init; } = TimeSpan.FromSeconds(5);

    public MinimumAllocatable Minimum { get; init; } = MinimumAllocatable.Default;

    /// <summary>How often agents are expected to answer a ping (Mesos: 15 s; ours: 1 s).</summary>
    public TimeSpan AgentPingTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Missed pings before an agent is marked unreachable (Mesos: 5).</summary>
    public int MaxAgentPingTimeouts { get; init; } = 5;

    /// <summary>
    /// Tests only, an injected bug (<c>InjectedBugs.DropTerminalUpdates</c>): an agent's terminal
    /// update is acknowledged to the agent and never forwarded to the framework. Always false otherwise.
    /// </summary>
    public bool DropTerminalUpdates { get; init; }
}
