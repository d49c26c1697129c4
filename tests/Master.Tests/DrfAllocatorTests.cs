using Mesos.HA.Master.Allocation;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Master.Tests;

public class DrfAllocatorTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static Resources R(string text) => ResourceText.Parse(text);

    private static AllocatorAgent Agent(string id, string resources) => new(new AgentId(id), R(resources));

    private static AllocatorFramework Framework(string id, string role, string? allocated = null, bool suppressed = false) =>
        new(new FrameworkId(id), [role], suppressed ? new HashSet<string> { role } : new HashSet<string>(),
            allocated is null ? new Dictionary<string, Resources>() : new Dictionary<string, Resources> { [role] = R(allocated) });

    private static AllocationInput Input(IReadOnlyList<AllocatorAgent> agents, IReadOnlyList<AllocatorFramework> frameworks,
        string total = "cpus:10;mem:100", Dictionary<string, double>? weights = null, IReadOnlyList<OfferFilter>? filters = null,
        DateTimeOffset? now = null) =>
        new(agents, frameworks, R(total), weights ?? [], filters ?? [], now ?? Now);

    private static IReadOnlyList<OfferDecision> Allocate(AllocationInput input) => new DrfAllocator().Allocate(input);

    [Fact]
    public void LowestDominantShare_GetsTheOffer()
    {
        // A holds 2/10 cpus and 50/100 mem: dominant share 0.5 (mem). B holds 4/10 cpus, 10/100 mem: 0.4 (cpus).
        var offers = Allocate(Input(
            [Agent("a1", "cpus:1;mem:1")],
            [Framework("A", "ra", "cpus:2;mem:50"), Framework("B", "rb", "cpus:4;mem:10")]));
        var offer = Assert.Single(offers);
        Assert.Equal("B", offer.Framework.Value);
        Assert.Equal("rb", offer.Role);
        Assert.Equal(R("cpus:1;mem:1"), offer.Resources);
    }

    [Fact]
    public void RoleWeight_DividesTheShare()
    {
        // With weight 2, role ra's share counts as 0.5 / 2 = 0.25 < 0.4.
        var offers = Allocate(Input(
            [Agent("a1", "cpus:1;mem:1")],
            [Framework("A", "ra", "cpus:2;mem:50"), Framework("B", "rb", "cpus:4;mem:10")],
            weights: new() { ["ra"] = 2 }));
        Assert.Equal("A", Assert.Single(offers).Framework.Value);
    }

    [Fact]
    public void WithinARole_LowestFrameworkShareWins()
    {
        var offers = Allocate(Input(
            [Agent("a1", "cpus:1;mem:1")],
            [Framework("F1", "r", "cpus:3"), Framework("F2", "r", "mem:10")]));
        Assert.Equal("F2", Assert.Single(offers).Framework.Value);
    }

    [Fact]
    public void SharesUpdateWithinACycle_SpreadingAgents()
    {
        // Equal shares: a1 goes to F1 (tie by id); F1's share becomes 0.4 so a2 goes to F2, a3 back to F1 (0.4 < 0.5).
        var offers = Allocate(Input(
            [Agent("a2", "cpus:5;mem:10"), Agent("a1", "cpus:4;mem:10"), Agent("a3", "cpus:1;mem:10")],
            [Framework("F1", "r1"), Framework("F2", "r2")]));
        Assert.Equal(["a1:F1", "a2:F2", "a3:F1"], offers.Select(o => $"{o.Agent}:{o.Framework}"));
    }

    [Fact]
    public void Filter_KeepsAFrameworkOffAnAgent_UntilItExpires()
    {
        var filters = new[] { new OfferFilter(new FrameworkId("F1"), new AgentId("a1"), Now.AddSeconds(5)) };
        var frameworks = new[] { Framework("F1", "r"), Framework("F2", "r", "cpus:1") };
        Assert.Equal("F2", Assert.Single(Allocate(Input([Agent("a1", "cpus:1;mem:1")], frameworks, filters: filters))).Framework.Value);
        Assert.Equal("F1", Assert.Single(Allocate(Input([Agent("a1", "cpus:1;mem:1")], frameworks, filters: filters,
            now: Now.AddSeconds(6)))).Framework.Value);
    }

    /// <summary>
    /// One allocator keeps the last cycle's filters in force for the next: a list changed in place, a
    /// filter expired or time going back must each be seen, exactly as a fresh allocator sees them.
    /// </summary>
    [Fact]
    public void SameAllocator_SeesFiltersChangedInPlaceExpiredOrEarlier()
    {
        var allocator = new DrfAllocator();
        var agents = new[] { Agent("a1", "cpus:1;mem:1") };
        var frameworks = new[] { Framework("F1", "r"), Framework("F2", "r", "cpus:1") };
        var filters = new List<OfferFilter> { new(new FrameworkId("F1"), new AgentId("a1"), Now.AddSeconds(5)) };
        string Winner(DateTimeOffset at) =>
            allocator.Allocate(Input(agents, frameworks, filters: filters, now: at)) is [var offer] ? offer.Framework.Value : "none";

        Assert.Equal("F2", Winner(Now));
        filters[0] = new OfferFilter(new FrameworkId("F2"), new AgentId("a1"), Now.AddSeconds(5)); // replaced in place
        Assert.Equal("F1", Winner(Now));
        filters.Add(new OfferFilter(new FrameworkId("F1"), new AgentId("a1"), Now.AddSeconds(3)));
        Assert.Equal("none", Winner(Now));
        Assert.Equal("F1", Winner(Now.AddSeconds(4))); // F1's filter expired, F2's holds
        Assert.Equal("none", Winner(Now.AddSeconds(1))); // earlier again: both hold
        filters.Clear();
        Assert.Equal("F1", Winner(Now.AddSeconds(1)));
    }

    [Fact]
    public void SuppressedRole_GetsNoOffers_RevivedDoes()
    {
        var suppressed = Allocate(Input([Agent("a1", "cpus:1;mem:1")], [Framework("F1", "r", suppressed: true)]));
        Assert.Empty(suppressed);
        var revived = Allocate(Input([Agent("a1", "cpus:1;mem:1")], [Framework("F1", "r", suppressed: false)]));
        Assert.Single(revived);
    }

    [Fact]
    public void BelowMinimumAllocatable_NothingIsOffered()
    {
        Assert.Empty(Allocate(Input([Agent("a1", "cpus:0.005;mem:16;disk:100")], [Framework("F1", "r")])));
        Assert.Single(Allocate(Input([Agent("a1", "cpus:0.01")], [Framework("F1", "r")])));
        Assert.Single(Allocate(Input([Agent("a1", "mem:32")], [Framework("F1", "r")])));
    }

    [Fact]
    public void ReservedResources_GoOnlyToTheirRole()
    {
        // batch has the lower share, so it is served first, but only with unreserved resources;
        // what is reserved for web then goes to web.
        var offers = Allocate(Input(
            [Agent("a1", "cpus:2;cpus(web):2;mem:100;ports:[1-10]")],
            [Framework("W", "web", "cpus:5"), Framework("B", "batch")]));
        Assert.Equal(2, offers.Count);
        Assert.Equal(("B", R("cpus:2;mem:100;ports:[1-10]")), (offers[0].Framework.Value, offers[0].Resources));
        Assert.Equal(("W", R("cpus(web):2")), (offers[1].Framework.Value, offers[1].Resources));
    }

    [Fact]
    public void MultiRoleFramework_IsServedInItsLeastServedRole()
    {
        var framework = new AllocatorFramework(new FrameworkId("M"), ["r1", "r2"], new HashSet<string>(),
            new Dictionary<string, Resources> { ["r1"] = R("cpus:5") });
        var offer = Assert.Single(Allocate(Input([Agent("a1", "cpus:1;mem:1")], [framework, Framework("X", "r1", "cpus:1")])));
        Assert.Equal(("M", "r2"), (offer.Framework.Value, offer.Role));
    }

    [Fact]
    public void Randomized_NeverOffersMoreThanAgentsHave_NorTheSameResourceTwice()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        string[] roles = ["web", "batch", "ml", "*"];
        for (var round = 0; round < 200; round++)
        {
            var agents = Enumerable.Range(0, random.Next(1, 20)).Select(i =>
            {
                var text = $"cpus:{random.Next(0, 16)}.{random.Next(0, 999)};mem:{random.Next(0, 4096)};ports:[{i * 100}-{i * 100 + random.Next(0, 50)}]";
                if (random.Next(3) == 0) text += $";cpus({roles[random.Next(3)]}):{random.Next(1, 4)}";
                return Agent($"a{i:D2}", text);
            }).ToArray();
            var frameworks = Enumerable.Range(0, random.Next(1, 8)).Select(i =>
                Framework($"f{i}", roles[random.Next(roles.Length)], random.Next(2) == 0 ? null : $"cpus:{random.Next(1, 5)}",
                    suppressed: random.Next(6) == 0)).ToArray();
            var filters = frameworks.Where(_ => random.Next(4) == 0)
                .Select(f => new OfferFilter(f.Id, agents[random.Next(agents.Length)].Id, Now.AddSeconds(random.Next(-5, 5)))).ToArray();
            var total = agents.Aggregate(Resources.Empty, (sum, a) => sum.Add(a.Available));
            var offers = Allocate(Input(agents, frameworks, total: total.IsEmpty ? "cpus:1" : total.ToString(), filters: filters));

            foreach (var agent in agents)
            {
                var mine = offers.Where(o => o.Agent == agent.Id).ToArray();
                var offered = mine.Aggregate(Resources.Empty, (sum, o) => sum.Add(o.Resources));
                Assert.True(agent.Available.Contains(offered), $"seed {seed} round {round}: {agent.Id} offered {offered} of {agent.Available}");
                var portsOffered = mine.Sum(o => o.Resources.Ranges.Values.Sum(r => r.Count));
                Assert.Equal(offered.Ranges.Values.Sum(r => r.Count), portsOffered); // no port offered twice
                Assert.True(mine.Sum(o => o.Resources.Total("cpus").Milli) == offered.Total("cpus").Milli);
            }
            foreach (var offer in offers)
            {
                var framework = frameworks.Single(f => f.Id == offer.Framework);
                Assert.Contains(offer.Role, framework.Roles);
                Assert.DoesNotContain(offer.Role, framework.SuppressedRoles);
                Assert.DoesNotContain(filters, f => f.Framework == offer.Framework && f.Agent == offer.Agent && f.Until > Now);
                Assert.All(offer.Resources.Scalars.Keys, k => Assert.True(k.Role == "*" || k.Role == offer.Role));
            }
        }
    }
}
