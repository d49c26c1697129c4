using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Replication.Registry;

public sealed partial class Registry
{
    private ApplyOutcome ApplySetWeights(SetWeights c)
    {
        var weights = Weights;
        var touched = new List<RegistryKey>();
        foreach (var w in c.Weights)
        {
            var next = w.Weight == 1.0 ? weights.Remove(w.Role) : weights.SetItem(w.Role, w.Weight);
            if (next != weights) touched.Add(new RegistryKey(RegistryKeyKind.Weight, w.Role));
            weights = next;
        }
        if (weights.Count > Limits.MaxRoles) return Reject($"more than {Limits.MaxRoles} weighted roles");
        if (touched.Count == 0) return NoChange("weights already set");
        return Changed(With(weights: weights), [.. touched]);
    }

    private ApplyOutcome ApplySetQuota(SetQuota c)
    {
        var quota = c.Quota;
        var key = new RegistryKey(RegistryKeyKind.Quota, quota.Role);
        if (quota.Guarantees.Length == 0 && quota.Limits.Length == 0)
        {
            return Quotas.ContainsKey(quota.Role)
                ? Changed(With(quotas: Quotas.Remove(quota.Role)), key)
                : NoChange($"role {quota.Role} has no quota");
        }
        if (Quotas.TryGetValue(quota.Role, out var existing) && existing == quota)
            return NoChange($"quota of role {quota.Role} already set");
        if (!Quotas.ContainsKey(quota.Role) && Quotas.Count >= Limits.MaxRoles)
            return Reject($"more than {Limits.MaxRoles} roles with quota");
        return Changed(With(quotas: Quotas.SetItem(quota.Role, quota)), key);
    }
}
