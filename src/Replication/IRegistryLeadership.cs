using Mesos.HA.Protocol.Registry;
using Mesos.HA.Replication.Registry;

namespace Mesos.HA.Replication;

/// <summary>
/// The replicated registry as the leading master's shell and its transports see it: who leads and in
/// which term, when this master starts and stops leading, the local copy, and proposals.
/// <see cref="ReplicatedRegistry"/> implements it over Raft; a simulation can implement it over a
/// simulated group with the same observable behaviour (one leader per term, proposals lost on a change).
/// </summary>
public interface IRegistryLeadership
{
    /// <summary>This master starts leading in a term (the token ends with that leadership).</summary>
    event Action<LeadershipTerm>? BecameLeader;

    /// <summary>This master stopped leading the given term.</summary>
    event Action<long>? LostLeadership;

    /// <summary>This master leads and its lease holds.</summary>
    bool IsLeader { get; }

    long Term { get; }

    /// <summary>The leader as this master knows it, if any.</summary>
    LeaderInfo? Leader { get; }

    /// <summary>
    /// This master follows a leader it has not heard from for half the lower election timeout: the leader
    /// may be gone, and an election may be under way, so requests are held rather than sent its way.
    /// </summary>
    bool LeaderQuiet => false;

    /// <summary>This master's copy of the registry (what it has applied).</summary>
    Registry.Registry LocalRegistry { get; }

    /// <summary>Test-only broken guarantees (none in production).</summary>
    InjectedBugs InjectedBugs { get; }

    /// <summary>Writes a command; returns its committed result. Throws <see cref="NotLeaderException"/> when this master does not lead.</summary>
    Task<CommandResult> ProposeAsync(RegistryCommand command, CancellationToken token = default);
}
