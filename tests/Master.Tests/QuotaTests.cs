using Mesos.HA.Master.Allocation;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;
using Xunit;

namespace Mesos.HA.Master.Tests;

public class QuotaTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static Resources R(string text) => ResourceText.Parse(text);

    private static AllocatorFramework Framework(string id, string role, string? allocated = null) =>
        new(new FrameworkId(id), [role], new HashSet<string>(),
            allocated is null ? new Dictionary<string, Resources>() : new Dictionary<string, Resources> { [role] = R(allocated) });

    private static IReadOnlyList<OfferDecision> Allocate(string[] agents, AllocatorFramework[] frameworks,
        Dictionary<string, RoleQuota> quotas)
    {
        var agentList = agents.Select((text, i) => new AllocatorAgent(new AgentId($"a{i + 1}"), R(text))).ToArray();
        var total = agentList.Aggregate(Resources.Empty, (sum, a) => sum.Add(a.Available));
        var input = new AllocationInput(agentList, frameworks, total, new Dictionary<string, double>(), [], Now) { Quotas = quotas };
        return new DrfAllocator().Allocate(input);
    }

    private static long CpusMilli(IEnumerable<OfferDecision> offers, string role) =>
        offers.Where(o => o.Role == role).Sum(o => o.Resources.Total("cpus").Milli);

    [Fact]
    public void Guarantee_IsServedFirst_EvenWithAHigherShare()
    {
        // Without quota, role n (share 0) would get a1; q is below its guarantee of 4 cpus, so it comes first.
        var offers = Allocate(["cpus:4;mem:64", "cpus:4;mem:64"],
            [Framework("Q", "q", "mem:100"), Framework("N", "n")],
            new() { ["q"] = new RoleQuota(R("cpus:4"), Resources.Empty) });
        Assert.Equal(("Q", "a1"), (offers[0].Framework.Value, offers[0].Agent.Value));
        Assert.Equal(R("cpus:4"), offers[0].Resources);
        Assert.Equal(4000, CpusMilli(offers, "q"));
    }

    [Fact]
    public void UnmetGuarantee_HoldsBackHeadroom_FromOtherRoles()
    {
        // q is guaranteed 6 of the 8 cpus but has no framework: n may take only 2 cpus (and the memory).
        var offers = Allocate(["cpus:4;mem:64", "cpus:4;mem:64"], [Framework("N", "n")],
            new() { ["q"] = new RoleQuota(R("cpus:6"), Resources.Empty) });
        Assert.Equal(2000, CpusMilli(offers, "n"));
        Assert.Equal(128, offers.Sum(o => o.Resources.Total("mem").Milli) / 1000);
    }

    [Fact]
    public void Limit_IsNeverExceeded()
    {
        var offers = Allocate(["cpus:4;mem:64", "cpus:4;mem:64"], [Framework("L", "l", "cpus:1")],
            new() { ["l"] = new RoleQuota(Resources.Empty, R("cpus:3")) });
        Assert.Equal(2000, CpusMilli(offers, "l")); // 1 already held + 2 offered = the limit of 3
        Assert.All(offers, o => Assert.Equal("L", o.Framework.Value));
    }

    [Fact]
    public void RoleAtItsGuarantee_CompetesByShareLikeAnyOther()
    {
        var offers = Allocate(["cpus:4;mem:64"], [Framework("Q", "q", "cpus:4"), Framework("N", "n")],
            new() { ["q"] = new RoleQuota(R("cpus:4"), Resources.Empty) });
        Assert.Equal("N", Assert.Single(offers).Framework.Value);
    }
}
