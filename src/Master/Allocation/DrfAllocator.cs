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
/// Quota: roles below their guarantee are served first (offers cut to what the guarantee still
/// needs), unallocated resources are held back for unmet guarantees during fair sharing, and no
/// role is offered beyond its limit.
/// </summary>
public sealed class DrfAllocator(MinimumAllocatable? minimum = null)
{
    private readonly MinimumAllocatable minimum = minimum ?? MinimumAllocatable.Default;

    public IReadOnlyList<OfferDecision> Allocate(AllocationInput input)
    {
        var cycle = new Cycle(input);
        var agents = input.Agents.OrderBy(a => a.Id.Value, StringComparer.Ordinal).ToArray();
        var remaining = agents.Select(a => a.Available).ToArray();
        var offers = new List<OfferDecision>();
        // Guarantees first, across all agents (as Mesos does), then fair shares.
        if (cycle.HasQuotas) Pass(cycle, agents, remaining, offers, guaranteeStage: true);
        Pass(cycle, agents, remaining, offers, guaranteeStage: false);
        return offers;
    }

    private void Pass(Cycle cycle, AllocatorAgent[] agents, Resources[] remaining, List<OfferDecision> offers, bool guaranteeStage)
    {
        for (var a = 0; a < agents.Length; a++)
        {
            while (minimum.IsMet(remaining[a]))
            {
                var split = Split(remaining[a]);
                if (!TryPick(cycle, agents[a].Id, split, guaranteeStage, out var framework, out var role, out var resources)) break;
                offers.Add(new OfferDecision(framework.Id, agents[a].Id, role, resources));
                cycle.Charge(framework, role, resources);
                remaining[a] = ReferenceEquals(resources, remaining[a]) ? Resources.Empty : remaining[a].Subtract(resources);
            }
        }
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

    private bool TryPick(Cycle cycle, AgentId agent, AgentSplit split, bool guaranteeStage,
        out Cycle.FrameworkState framework, out string role, out Resources resources)
    {
        foreach (var (_, candidateRole) in cycle.RoleOrder)
        {
            if (guaranteeStage && !cycle.HasUnmetGuarantee(candidateRole)) continue;
            var reserved = split.ReservedByRole?.GetValueOrDefault(candidateRole);
            if (!minimum.IsMet(split.Unreserved, reserved)) continue;
            var usable = reserved is null ? split.Unreserved : split.Unreserved.Add(reserved);
            if (cycle.Caps(candidateRole, guaranteeStage) is { } caps)
            {
                usable = usable.CapScalars(caps);
                if (!minimum.IsMet(usable)) continue;
            }
            foreach (var (_, frameworkId) in cycle.FrameworkOrder(candidateRole))
            {
                var candidate = cycle.Framework(frameworkId);
                if (cycle.IsFiltered(candidate.Id, agent)) continue;
                framework = candidate;
                role = candidateRole;
                resources = usable;
                return true;
            }
        }
        framework = null!;
        role = "";
        resources = Resources.Empty;
        return false;
    }
}
