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
    private readonly Dictionary<string, double> weights;
    private readonly Dictionary<string, double[]> roleAllocated = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FrameworkState> frameworks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedSet<(double Share, string Name)>> frameworkOrder = new(StringComparer.Ordinal);
    private readonly HashSet<(string Framework, string Agent)> filtered = new();

    public Cycle(AllocationInput input)
    {
        names = [.. input.ClusterTotal.Scalars.Keys.Select(k => k.Name).Distinct().Order(StringComparer.Ordinal)];
        totals = [.. names.Select(n => input.ClusterTotal.Total(n).ToDouble())];
        weights = new Dictionary<string, double>(input.Weights, StringComparer.Ordinal);
        foreach (var f in input.Filters)
            if (f.Until > input.Now) filtered.Add((f.Framework.Value, f.Agent.Value));
        RoleOrder = new SortedSet<(double Share, string Name)>(ByShareThenName);
        foreach (var framework in input.Frameworks.OrderBy(f => f.Id.Value, StringComparer.Ordinal))
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

    public bool IsFiltered(FrameworkId framework, AgentId agent) => filtered.Contains((framework.Value, agent.Value));

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
    }

    private SortedSet<(double Share, string Name)> OrderFor(string role)
    {
        if (!frameworkOrder.TryGetValue(role, out var order))
            frameworkOrder[role] = order = new SortedSet<(double Share, string Name)>(ByShareThenName);
        return order;
    }

    private double[] RoleAmounts(string role)
    {
        if (!roleAllocated.TryGetValue(role, out var amounts)) roleAllocated[role] = amounts = new double[names.Length];
        return amounts;
    }

    private double RoleShare(string role) => Share(RoleAmounts(role)) / (weights.TryGetValue(role, out var w) ? w : 1.0);

    /// <summary>Dominant share: the largest fraction of any resource's cluster total.</summary>
    private double Share(double[] amounts)
    {
        var share = 0.0;
        for (var i = 0; i < names.Length; i++)
            if (totals[i] > 0) share = Math.Max(share, amounts[i] / totals[i]);
        return share;
    }

    private double[] Amounts(Resources resources)
    {
        var amounts = new double[names.Length];
        for (var i = 0; i < names.Length; i++) amounts[i] = resources.Total(names[i]).ToDouble();
        return amounts;
    }

    private static void Accumulate(double[] into, double[] amounts)
    {
        for (var i = 0; i < into.Length; i++) into[i] += amounts[i];
    }

    internal sealed class FrameworkState(FrameworkId id)
    {
        public FrameworkId Id { get; } = id;
        public Dictionary<string, double[]> Allocated { get; } = new(StringComparer.Ordinal);
    }
}
