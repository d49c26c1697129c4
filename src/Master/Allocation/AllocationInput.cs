using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Master.Allocation;

/// <summary>An agent as the allocator sees it: what is free on it now (not used by tasks, not offered).</summary>
public sealed record AllocatorAgent(AgentId Id, Resources Available);

/// <summary>
/// A framework as the allocator sees it: its roles, the roles it suppressed offers for, and what
/// it holds in each role (tasks and outstanding offers), which drives its DRF share.
/// </summary>
public sealed record AllocatorFramework(
    FrameworkId Id,
    IReadOnlyList<string> Roles,
    IReadOnlySet<string> SuppressedRoles,
    IReadOnlyDictionary<string, Resources> AllocatedByRole);

/// <summary>A framework declined an agent's offer with <c>refuse_seconds</c>: it gets nothing from that agent until <see cref="Until"/>.</summary>
public sealed record OfferFilter(FrameworkId Framework, AgentId Agent, DateTimeOffset Until);

/// <summary>
/// Everything one allocation cycle looks at. The allocator reads it and nothing else: no clock
/// (time is <see cref="Now"/>), no sockets, no randomness.
/// </summary>
public sealed record AllocationInput(
    IReadOnlyList<AllocatorAgent> Agents,
    IReadOnlyList<AllocatorFramework> Frameworks,
    Resources ClusterTotal,
    IReadOnlyDictionary<string, double> Weights,
    IReadOnlyList<OfferFilter> Filters,
    DateTimeOffset Now)
{
    /// <summary>Quota per role (scalar resources only, as in Mesos); roles without an entry have none.</summary>
    public IReadOnlyDictionary<string, RoleQuota> Quotas { get; init; } = new Dictionary<string, RoleQuota>();
}

/// <summary>
/// A role's quota: <see cref="Guarantees"/> are offered to it before any fair sharing and held back
/// from other roles while unmet; it is never allocated beyond <see cref="Limits"/> (an empty limit
/// means none).
/// </summary>
public sealed record RoleQuota(Resources Guarantees, Resources Limits);

/// <summary>Resources of one agent offered to one framework for one role.</summary>
public sealed record OfferDecision(FrameworkId Framework, AgentId Agent, string Role, Resources Resources);
