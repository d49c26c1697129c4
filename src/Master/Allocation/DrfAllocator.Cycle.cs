using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Master.Allocation;

/// <summary>
/// The mutable bookkeeping of one allocation cycle: dominant shares of roles and frameworks kept in
/// sorted orders, so the next recipient is found by walking from the lowest share. Shares are computed
/// from scalar amounts against the cluster totals. Each role's and framework's state is reached
/// from the orders directly: a pick looks nothing up by name.
/// </summary>
internal sealed class Cycle
{
    private readonly string[] names;
    private readonly double[] totals;
    private readonly long[] unallocated;
    private readonly Dictionary<string, RoleState> roles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> weights;
    // The roles with a guarantee, in name order (headroom sums over them).
    private readonly RoleState[] guaranteed;
    private readonly bool hasQuotas;
    private readonly Dictionary<string, FrameworksKeptOff> filtered;
    // The frameworks that want offers in some role (at least one role not suppressed): fixed for the cycle.
    private readonly HashSet<string> wanting = new(StringComparer.Ordinal);
    // Caps of the role last asked for, per scalar (null: no cap), read by the one delegate handed out.
    private readonly long?[] caps;
    private readonly Func<string, long?> capOf;
    private readonly long[] charged;

    /// <param name="input">The cycle's view.</param>
    /// <param name="filtered">The input's filters still in force at its time: per agent id, the framework ids kept off it.</param>
    public Cycle(AllocationInput input, Dictionary<string, FrameworksKeptOff> filtered)
    {
        this.filtered = filtered;
        names = [.. input.ClusterTotal.ScalarNames];
        totals = new double[names.Length];
        for (var i = 0; i < names.Length; i++) totals[i] = input.ClusterTotal.Total(names[i]).ToDouble();
        weights = new Dictionary<string, double>(input.Weights, StringComparer.Ordinal);
        unallocated = new long[names.Length];
        caps = new long?[names.Length];
        charged = new long[names.Length];
        capOf = name => Array.IndexOf(names, name) is var i and >= 0 ? caps[i] : null;
        foreach (var agent in input.Agents)
            for (var i = 0; i < names.Length; i++) unallocated[i] += agent.Available.Total(names[i]).Milli;
        foreach (var (role, quota) in input.Quotas)
        {
            if (!quota.Guarantees.IsEmpty) Role(role).Guarantee = Amounts(quota.Guarantees);
            if (!quota.Limits.IsEmpty) Role(role).Limit = LimitAmounts(quota.Limits);
            hasQuotas |= !quota.Guarantees.IsEmpty || !quota.Limits.IsEmpty;
        }
        guaranteed = [.. roles.Values.Where(r => r.Guarantee is not null).OrderBy(r => r.Name, StringComparer.Ordinal)];
        RoleOrder = new ShareOrder<RoleState>();
        // Shares are kept in sorted orders, so the order frameworks are read in does not matter.
        var frameworks = new Dictionary<string, FrameworkState>(StringComparer.Ordinal);
        foreach (var framework in input.Frameworks)
        {
            var state = new FrameworkState(framework.Id);
            frameworks[framework.Id.Value] = state;
            foreach (var roleName in framework.Roles)
            {
                var allocated = Amounts(framework.AllocatedByRole.GetValueOrDefault(roleName) ?? Resources.Empty);
                state.Allocated[roleName] = allocated;
                var role = Role(roleName);
                Accumulate(role.Allocated, allocated);
                if (framework.SuppressedRoles.Contains(roleName)) continue;
                role.Frameworks.Add(Share(allocated), framework.Id.Value, state);
                wanting.Add(framework.Id.Value);
            }
        }
        foreach (var role in roles.Values)
            if (role.Frameworks.Count > 0) RoleOrder.Add(RoleShare(role), role.Name, role);
    }

    /// <summary>Roles with at least one framework wanting offers, lowest weighted share first.</summary>
    public ShareOrder<RoleState> RoleOrder { get; }

    /// <summary>
    /// Whether filters keep every framework that wants offers off the agent: then no role can be offered
    /// anything from it this cycle, whatever its resources, shares and quotas (none of which decide who wants offers).
    /// </summary>
    public bool AllKeptOff(FrameworksKeptOff keptOff) => keptOff.Count >= wanting.Count && keptOff.CountIn(wanting) == wanting.Count;

    /// <summary>The ids of the frameworks a filter keeps off the agent.</summary>
    public FrameworksKeptOff KeptOff(AgentId agent) => filtered.GetValueOrDefault(agent.Value);

    public bool HasQuotas => hasQuotas;

    /// <summary>Whether some role is still below its guarantee for some resource (once none is, none will be again this cycle: offers only add).</summary>
    public bool AnyUnmetGuarantee()
    {
        foreach (var role in guaranteed)
            if (HasUnmetGuarantee(role)) return true;
        return false;
    }

    /// <summary>Whether the role is still below its guarantee for some resource.</summary>
    public bool HasUnmetGuarantee(RoleState role)
    {
        if (role.Guarantee is not { } guarantee) return false;
        for (var i = 0; i < names.Length; i++)
            if (role.Allocated[i] < guarantee[i]) return true;
        return false;
    }

    /// <summary>
    /// How much of each scalar the role may be offered now, in milli-units (null: no cap); the answer holds
    /// until the next call (one delegate over one buffer, so a pick allocates nothing for it). In the
    /// guarantee stage: what is left of its guarantee. Otherwise: within its limit, and leaving
    /// enough unallocated to meet other roles' unmet guarantees.
    /// </summary>
    public Func<string, long?>? Caps(RoleState role, bool guaranteeStage)
    {
        if (!hasQuotas) return null;
        var allocated = role.Allocated;
        var guarantee = role.Guarantee;
        var limit = role.Limit;
        for (var i = 0; i < names.Length; i++)
        {
            var gap = guarantee is null ? 0 : Math.Max(0, guarantee[i] - allocated[i]);
            long? cap = guaranteeStage ? (guarantee is null ? 0 : gap) : gap + Math.Max(0, unallocated[i] - RequiredHeadroom(i));
            if (limit is not null && limit[i] >= 0) cap = Math.Min(cap ?? long.MaxValue, Math.Max(0, limit[i] - allocated[i]));
            caps[i] = cap;
        }
        return capOf;
    }

    /// <summary>Unallocated resources that must stay free for roles still below their guarantees.</summary>
    private long RequiredHeadroom(int i)
    {
        var required = 0L;
        foreach (var role in guaranteed)
            required += Math.Max(0, role.Guarantee![i] - role.Allocated[i]);
        return required;
    }

    /// <summary>Records an offer: the framework's and its role's shares grow, and both are re-ordered.</summary>
    public void Charge(FrameworkState framework, RoleState role, Resources offered)
    {
        var amounts = charged;
        for (var i = 0; i < names.Length; i++) amounts[i] = offered.Total(names[i]).Milli;
        var mine = framework.Allocated[role.Name];
        var before = Share(mine);
        Accumulate(mine, amounts);
        role.Frameworks.Grow(before, Share(mine), framework.Id.Value, framework);
        before = RoleShare(role);
        Accumulate(role.Allocated, amounts);
        RoleOrder.Grow(before, RoleShare(role), role.Name, role);
        for (var i = 0; i < unallocated.Length; i++) unallocated[i] -= amounts[i];
    }

    private RoleState Role(string name)
    {
        if (!roles.TryGetValue(name, out var role))
            roles[name] = role = new RoleState(name, new long[names.Length], weights.TryGetValue(name, out var w) ? w : 1.0);
        return role;
    }

    private double RoleShare(RoleState role) => Share(role.Allocated) / role.Weight;

    /// <summary>Dominant share: the largest fraction of any resource's cluster total.</summary>
    private double Share(long[] amounts)
    {
        var share = 0.0;
        for (var i = 0; i < names.Length; i++)
            if (totals[i] > 0) share = Math.Max(share, amounts[i] / Scalar.Scale / totals[i]);
        return share;
    }

    private long[] Amounts(Resources resources)
    {
        var amounts = new long[names.Length];
        for (var i = 0; i < names.Length; i++) amounts[i] = resources.Total(names[i]).Milli;
        return amounts;
    }

    /// <summary>Limits per scalar; -1 where the limit does not mention the resource (no limit on it).</summary>
    private long[] LimitAmounts(Resources resources)
    {
        var amounts = new long[names.Length];
        for (var i = 0; i < names.Length; i++)
            amounts[i] = resources.Scalars.Keys.Any(k => k.Name == names[i]) ? resources.Total(names[i]).Milli : -1;
        return amounts;
    }

    private static void Accumulate(long[] into, long[] amounts)
    {
        for (var i = 0; i < into.Length; i++) into[i] += amounts[i];
    }

    /// <summary>A role's bookkeeping: what its frameworks hold, its quota, its weight and its frameworks wanting offers.</summary>
    internal sealed class RoleState(string name, long[] allocated, double weight)
    {
        public string Name { get; } = name;
        public long[] Allocated { get; } = allocated;
        public double Weight { get; } = weight;
        public long[]? Guarantee { get; set; }
        public long[]? Limit { get; set; }
        public ShareOrder<FrameworkState> Frameworks { get; } = new();
    }

    internal sealed class FrameworkState(FrameworkId id)
    {
        public FrameworkId Id { get; } = id;
        public Dictionary<string, long[]> Allocated { get; } = new(StringComparer.Ordinal);
    }
}
