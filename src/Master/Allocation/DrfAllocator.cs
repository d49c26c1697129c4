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
/// <remarks>Not safe to call concurrently: it keeps the last cycle's filters in force for the next.</remarks>
public sealed class DrfAllocator(MinimumAllocatable? minimum = null)
{
    private readonly MinimumAllocatable minimum = minimum ?? MinimumAllocatable.Default;
    private readonly FiltersInForce filtersInForce = new();

    // The agents in id order and what is left on each, kept from cycle to cycle: at 10,000 agents and more each is
    // a large-object allocation, and one per cycle brought the full collections that cost a large cluster most.
    private AllocatorAgent[] agentsInOrder = [];
    private Resources[] remainingOn = [];

    public IReadOnlyList<OfferDecision> Allocate(AllocationInput input)
    {
        if (!AnythingToOffer(input, out var filtered)) return [];
        var cycle = new Cycle(input, filtered ?? filtersInForce.Of(input.Filters, input.Now));
        var count = input.Agents.Count;
        if (agentsInOrder.Length < count)
        {
            agentsInOrder = new AllocatorAgent[count];
            remainingOn = new Resources[count];
        }
        var agents = new Span<AllocatorAgent>(agentsInOrder, 0, count);
        var remaining = new Span<Resources>(remainingOn, 0, count);
        InIdOrder(input.Agents, agents);
        for (var a = 0; a < count; a++) remaining[a] = agents[a].Available;
        var offers = new List<OfferDecision>();
        try
        {
            // Guarantees first, across all agents (as Mesos does), then fair shares.
            if (cycle.HasQuotas) Pass(cycle, agents, remaining, offers, guaranteeStage: true);
            Pass(cycle, agents, remaining, offers, guaranteeStage: false);
        }
        finally
        {
            // Nothing of this cycle is held on to until the next.
            agents.Clear();
            remaining.Clear();
        }
        return offers;
    }

    /// <summary>
    /// Whether a cycle could make any offer: some agent has at least the minimum free and some framework
    /// that wants offers in some role has no filter on it. In the simulator about 40% of passes have
    /// nothing to give; this answers them without building the cycle's bookkeeping. It may say yes
    /// when there is nothing (the cycle then finds nothing), never no when there is something.
    /// </summary>
    /// <param name="input">The cycle's view.</param>
    /// <param name="filtered">The filters in force, when they had to be gathered for the answer (null otherwise).</param>
    private bool AnythingToOffer(AllocationInput input, out Dictionary<string, FrameworksKeptOff>? filtered)
    {
        filtered = null;
        var wantingCount = 0;
        foreach (var framework in input.Frameworks)
            if (Wants(framework)) wantingCount++;
        if (wantingCount == 0) return false;
        // Every agent must have a filter for every framework that wants offers for a no: with fewer
        // filters than that, the answer is yes (a large cluster answers here, after a few agents).
        var offeringCount = 0;
        foreach (var agent in input.Agents)
            if (minimum.IsMet(agent.Available) && (long)++offeringCount * wantingCount > input.Filters.Count) return true;
        if (offeringCount == 0) return false;
        filtered = filtersInForce.Of(input.Filters, input.Now);
        foreach (var agent in input.Agents)
        {
            if (!minimum.IsMet(agent.Available)) continue;
            if (!filtered.TryGetValue(agent.Id.Value, out var onAgent) || onAgent.Count < wantingCount) return true;
            foreach (var framework in input.Frameworks)
                if (!onAgent.Contains(framework.Id.Value) && Wants(framework)) return true;
        }
        return false;
    }

    private static bool Wants(AllocatorFramework framework)
    {
        foreach (var role in framework.Roles)
            if (!framework.SuppressedRoles.Contains(role)) return true;
        return false;
    }

    /// <summary>The agents in id order (ordinal) into <paramref name="sorted"/>; the master hands them over sorted already, so usually no sort.</summary>
    private static void InIdOrder(IReadOnlyList<AllocatorAgent> agents, Span<AllocatorAgent> sorted)
    {
        var inOrder = true;
        for (var a = 0; a < sorted.Length; a++)
        {
            sorted[a] = agents[a];
            if (a > 0 && string.CompareOrdinal(sorted[a - 1].Id.Value, sorted[a].Id.Value) > 0) inOrder = false;
        }
        if (inOrder) return;
        var a2 = 0;
        foreach (var agent in agents.OrderBy(a => a.Id.Value, StringComparer.Ordinal)) sorted[a2++] = agent;
    }

    private void Pass(Cycle cycle, Span<AllocatorAgent> agents, Span<Resources> remaining, List<OfferDecision> offers, bool guaranteeStage)
    {
        for (var a = 0; a < agents.Length; a++)
        {
            if (!minimum.IsMet(remaining[a])) continue;
            if (guaranteeStage && !cycle.AnyUnmetGuarantee()) return; // every guarantee is met: no pick of this stage can succeed
            var keptOff = cycle.KeptOff(agents[a].Id);
            if (keptOff.Count > 0 && cycle.AllKeptOff(keptOff)) continue; // no pick can succeed: the same answer, sooner
            while (minimum.IsMet(remaining[a]))
            {
                var split = Split(remaining[a]);
                if (!TryPick(cycle, keptOff, split, guaranteeStage, out var framework, out var role, out var resources)) break;
                offers.Add(new OfferDecision(framework.Id, agents[a].Id, role.Name, resources));
                cycle.Charge(framework, role, resources);
                remaining[a] = ReferenceEquals(resources, remaining[a]) ? Resources.Empty : remaining[a].Subtract(resources);
            }
        }
    }

    /// <summary>An agent's free resources as the part any role may use and the parts reserved for each role.</summary>
    private readonly record struct AgentSplit(Resources Unreserved, IReadOnlyDictionary<string, Resources>? ReservedByRole);

    private static AgentSplit Split(Resources remaining)
    {
        if (!remaining.HasReservations) return new AgentSplit(remaining, null);
        var (unreserved, byRole) = remaining.ByReservation();
        return new AgentSplit(unreserved, byRole);
    }

    private bool TryPick(Cycle cycle, FrameworksKeptOff keptOff, AgentSplit split, bool guaranteeStage,
        out Cycle.FrameworkState framework, out Cycle.RoleState role, out Resources resources)
    {
        var roleOrder = cycle.RoleOrder;
        for (var r = 0; r < roleOrder.Count; r++)
        {
            var candidateRole = roleOrder[r];
            if (guaranteeStage && !cycle.HasUnmetGuarantee(candidateRole)) continue;
            var reserved = split.ReservedByRole?.GetValueOrDefault(candidateRole.Name);
            if (!minimum.IsMet(split.Unreserved, reserved)) continue;
            var usable = reserved is null ? split.Unreserved : split.Unreserved.Add(reserved);
            if (cycle.Caps(candidateRole, guaranteeStage) is { } caps)
            {
                usable = usable.CapScalars(caps);
                if (!minimum.IsMet(usable)) continue;
            }
            var frameworkOrder = candidateRole.Frameworks;
            for (var f = 0; f < frameworkOrder.Count; f++)
            {
                var candidate = frameworkOrder[f];
                if (keptOff.Contains(candidate.Id.Value)) continue;
                framework = candidate;
                role = candidateRole;
                resources = usable;
                return true;
            }
        }
        framework = null!;
        role = null!;
        resources = Resources.Empty;
        return false;
    }
}
