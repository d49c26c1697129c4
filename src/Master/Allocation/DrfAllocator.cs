using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Master.Allocation;

/// <summary>
/// Hierarchical Dominant Resource Fairness, as a pure function of an <see cref="AllocationInput"/>.
/// Agents are visited in id order; each agent's free resources go to the role with the lowest
/// weighted dominant share that can use them (unreserved resources, or those reserved for it), and
/// within that role to the framework with the lowest dominant share that has not suppressed the
/// role and has no filter on the agent. Shares are updated after every offer, so one cycle spreads
/// a cluster fairly. Ties break by role name, then framework id (ordinal). Everything an agent
/// offers comes out of its available resources exactly once: nothing is offered twice.
/// Quota guarantees and limits are not applied yet (see the master issue's note).
/// </summary>
public sealed class DrfAllocator(MinimumAllocatable? minimum = null)
{
    private readonly MinimumAllocatable minimum = minimum ?? MinimumAllocatable.Default;

    public IReadOnlyList<OfferDecision> Allocate(AllocationInput input)
    {
        var cycle = new Cycle(input);
        var offers = new List<OfferDecision>();
        foreach (var agent in input.Agents.OrderBy(a => a.Id.Value, StringComparer.Ordinal))
        {
            var remaining = agent.Available;
            while (minimum.IsMet(remaining))
            {
                var split = Split(remaining);
                if (!TryPick(cycle, agent.Id, split, out var framework, out var role, out var reservedForRole)) break;
                var resources = reservedForRole is null ? split.Unreserved : split.Unreserved.Add(reservedForRole);
                offers.Add(new OfferDecision(framework.Id, agent.Id, role, resources));
                cycle.Charge(framework, role, resources);
                remaining = ReferenceEquals(resources, remaining) ? Resources.Empty : remaining.Subtract(resources);
            }
        }
        return offers;
    }

    /// <summary>An agent's free resources as the part any role may use and the parts reserved for each role.</summary>
    private readonly record struct AgentSplit(Resources Unreserved, Dictionary<string, Resources>? ReservedByRole);

    private static AgentSplit Split(Resources remaining)
    {
        if (!remaining.HasReservations) return new AgentSplit(remaining, null);
        var byRole = new Dictionary<string, Resources>(StringComparer.Ordinal);
        foreach (var role in remaining.ReservedRoles) byRole[role] = remaining.Filter(k => k.Role == role);
        return new AgentSplit(remaining.Filter(k => k.Role == ResourceKey.Unreserved), byRole);
    }

    private bool TryPick(Cycle cycle, AgentId agent, AgentSplit split,
        out Cycle.FrameworkState framework, out string role, out Resources? reservedForRole)
    {
        foreach (var (_, candidateRole) in cycle.RoleOrder)
        {
            var reserved = split.ReservedByRole?.GetValueOrDefault(candidateRole);
            if (!minimum.IsMet(split.Unreserved, reserved)) continue;
            foreach (var (_, frameworkId) in cycle.FrameworkOrder(candidateRole))
            {
                var candidate = cycle.Framework(frameworkId);
                if (cycle.IsFiltered(candidate.Id, agent)) continue;
                framework = candidate;
                role = candidateRole;
                reservedForRole = reserved;
                return true;
            }
        }
        framework = null!;
        role = "";
        reservedForRole = null;
        return false;
    }
}
