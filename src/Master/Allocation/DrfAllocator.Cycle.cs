using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Master.Allocation;

/// <summary>
/// The mutable bookkeeping of one allocation cycle: dominant shares of roles and frameworks kept in
/// ordered sets, so the next recipient is found in logarithmic time. Shares are computed from
/// scalar amounts against the cluster totals.
/// </summary>
internal sealed class Cycle
{
    private static readonly IComparer<(double Share, string Name)> ByShareThenName =
        Comparer<(double Share, string Name)>.Create((a, b) =>
        {
            var byShare = a.Share.CompareTo(b.Share);
            return byShare != 0 ? byShare : string.CompareOrdinal(a.Name, b.Name);
        });

    private readonly string[] names;
    private readonly double[] totals;
    private readonly long[] unallocated;
    private readonly Dictionary<string, long[]> guarantees = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> limits = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> weights;
    private readonly Dictionary<string, long[]> roleAllocated = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FrameworkState> frameworks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedSet<(double Share, string Name)>> frameworkOrder = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FrameworksKeptOff> filtered;

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
        foreach (var agent in input.Agents)
            for (var i = 0; i < names.Length; i++) unallocated[i] += agent.Available.Total(names[i]).Milli;
        foreach (var (role, quota) in input.Quotas)
        {
            if (!quota.Guarantees.IsEmpty) guarantees[role] = Amounts(quota.Guarantees);
            if (!quota.Limits.IsEmpty) limits[role] = LimitAmounts(quota.Limits);
        }
        RoleOrder = new SortedSet<(double Share, string Name)>(ByShareThenName);
        // Shares are kept in sorted sets, so the order frameworks are read in does not matter.
        foreach (var framework in input.Frameworks)
        {
            var state = new FrameworkState(framework.Id);
            frameworks[framework.Id.Value] = state;
            foreach (var role in framework.Roles)
            {
                var allocated = Amounts(framework.AllocatedByRole.GetValueOrDefault(role) ?? Resources.Empty);
                state.Allocated[role] = allocated;
                Accumulate(RoleAmounts(role), allocated);
                if (framework.SuppressedRoles.Contains(role)) continue;
                OrderFor(role).Add((Share(allocated), framework.Id.Value));
            }
        }
        foreach (var role in frameworkOrder.Keys) RoleOrder.Add((RoleShare(role), role));
    }

    /// <summary>Roles with at least one framework wanting offers, lowest weighted share first.</summary>
    public SortedSet<(double Share, string Name)> RoleOrder { get; }

    public SortedSet<(double Share, string Name)> FrameworkOrder(string role) => frameworkOrder[role];

    public FrameworkState Framework(string id) => frameworks[id];

    /// <summary>The ids of the frameworks a filter keeps off the agent.</summary>
    public FrameworksKeptOff KeptOff(AgentId agent) => filtered.GetValueOrDefault(agent.Value);

    public bool HasQuotas => guarantees.Count > 0 || limits.Count > 0;

    /// <summary>Whether the role is still below its guarantee for some resource.</summary>
    public bool HasUnmetGuarantee(string role)
    {
        if (!guarantees.TryGetValue(role, out var guarantee)) return false;
        var allocated = RoleAmounts(role);
        for (var i = 0; i < names.Length; i++)
            if (allocated[i] < guarantee[i]) return true;
        return false;
    }

    /// <summary>
    /// How much of each scalar the role may be offered now, in milli-units (null: no cap). In the
    /// guarantee stage: what is left of its guarantee. Otherwise: within its limit, and leaving
    /// enough unallocated to meet other roles' unmet guarantees.
    /// </summary>
    public Func<string, long?>? Caps(string role, bool guaranteeStage)
    {
        if (!HasQuotas) return null;
        var allocated = RoleAmounts(role);
        var guarantee = guarantees.GetValueOrDefault(role);
        var limit = limits.GetValueOrDefault(role);
        var caps = new long?[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            var gap = guarantee is null ? 0 : Math.Max(0, guarantee[i] - allocated[i]);
            long? cap = guaranteeStage ? (guarantee is null ? 0 : gap) : gap + Math.Max(0, unallocated[i] - RequiredHeadroom(i));
            if (limit is not null && limit[i] >= 0) cap = Math.Min(cap ?? long.MaxValue, Math.Max(0, limit[i] - allocated[i]));
            caps[i] = cap;
        }
        return name => Array.IndexOf(names, name) is var i and >= 0 ? caps[i] : null;
    }

    /// <summary>Unallocated resources that must stay free for roles still below their guarantees.</summary>
    private long RequiredHeadroom(int i)
    {
        var required = 0L;
        foreach (var (role, guarantee) in guarantees)
            required += Math.Max(0, guarantee[i] - RoleAmounts(role)[i]);
        return required;
    }

    /// <summary>Records an offer: the framework's and its role's shares grow, and both are re-ordered.</summary>
    public void Charge(FrameworkState framework, string role, Resources offered)
    {
        var amounts = Amounts(offered);
        var mine = framework.Allocated[role];
        var order = frameworkOrder[role];
        order.Remove((Share(mine), framework.Id.Value));
        Accumulate(mine, amounts);
        order.Add((Share(mine), framework.Id.Value));
        RoleOrder.Remove((RoleShare(role), role));
        Accumulate(RoleAmounts(role), amounts);
        RoleOrder.Add((RoleShare(role), role));
        for (var i = 0; i < unallocated.Length; i++) unallocated[i] -= amounts[i];
    }

    private SortedSet<(double Share, string Name)> OrderFor(string role)
    {
        if (!frameworkOrder.TryGetValue(role, out var order))
            frameworkOrder[role] = order = new SortedSet<(double Share, string Name)>(ByShareThenName);
        return order;
    }

    private long[] RoleAmounts(string role)
    {
        if (!roleAllocated.TryGetValue(role, out var amounts)) roleAllocated[role] = amounts = new long[names.Length];
        return amounts;
    }

    private double RoleShare(string role) => Share(RoleAmounts(role)) / (weights.TryGetValue(role, out var w) ? w : 1.0);

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

    internal sealed class FrameworkState(FrameworkId id)
    {
        public FrameworkId Id { get; } = id;
        public Dictionary<string, long[]> Allocated { get; } = new(StringComparer.Ordinal);
    }
}
