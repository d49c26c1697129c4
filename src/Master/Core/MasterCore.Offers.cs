using Mesos.HA.Master.Allocation;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Master.Core;

public sealed partial class MasterCore
{
    /// <summary>Runs an allocation cycle over what is free now and turns its decisions into offers.</summary>
    public IReadOnlyList<Effect> Allocate(IReadOnlyDictionary<string, double> weights, IReadOnlyDictionary<string, RoleQuota> quotas,
        DateTimeOffset now)
    {
        filters.RemoveAll(f => f.Until <= now);
        var free = agents.Values.Select(a => new AllocatorAgent(a.Id, AvailableOn(a.Id))).ToArray();
        var total = agents.Values.Aggregate(Resources.Empty, (sum, a) => sum.Add(a.Total));
        var connected = frameworks.Values.Where(f => f.Connected).Select(f => new AllocatorFramework(
            f.Id, f.Roles, f.Suppressed, AllocatedByRole(f.Id))).ToArray();
        var decisions = allocator.Allocate(new AllocationInput(free, connected, total, weights, filters, now) { Quotas = quotas });
        var made = decisions.Select(d => new Offer(NextOfferId(), d.Framework, d.Agent, d.Role, d.Resources, now)).ToArray();
        foreach (var offer in made) offers[offer.Id] = offer;
        return [.. made.GroupBy(o => o.Framework.Value, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new SendOffers(g.First().Framework, [.. g]))];
    }

    /// <summary>DECLINE: the offers' resources return to the pool; the framework is kept off those agents for the refuse time.</summary>
    public IReadOnlyList<Effect> Decline(FrameworkId framework, IReadOnlyList<OfferId> offerIds, TimeSpan? refuse, DateTimeOffset now)
    {
        var mine = offerIds.Where(id => offers.TryGetValue(id, out var o) && o.Framework == framework).Distinct().ToArray();
        if (mine.Length != offerIds.Distinct().Count())
            return [new CallRejected(framework, $"unknown offers or offers of another framework: {string.Join(",", offerIds.Except(mine))}")];
        foreach (var id in mine)
        {
            var offer = offers[id];
            offers.Remove(id);
            AddFilter(framework, offer.Agent, refuse ?? options.DefaultRefuse, now);
        }
        return [];
    }

    /// <summary>Rescinds offers older than the offer timeout.</summary>
    public IReadOnlyList<Effect> ExpireOffers(DateTimeOffset now) =>
        options.OfferTimeout is { } timeout ? RescindWhere(o => now - o.CreatedAt >= timeout) : [];

    private IReadOnlyList<Effect> RescindWhere(Func<Offer, bool> predicate)
    {
        var gone = offers.Values.Where(predicate).OrderBy(o => o.Id.Value, StringComparer.Ordinal).ToArray();
        foreach (var offer in gone) offers.Remove(offer.Id);
        return [.. gone.Select(o => new RescindOffer(o.Framework, o.Id))];
    }

    private void AddFilter(FrameworkId framework, AgentId agent, TimeSpan refuse, DateTimeOffset now)
    {
        if (refuse <= TimeSpan.Zero) return;
        filters.RemoveAll(f => f.Framework == framework && f.Agent == agent);
        filters.Add(new OfferFilter(framework, agent, now + refuse));
    }

    private Dictionary<string, Resources> AllocatedByRole(FrameworkId framework)
    {
        var byRole = new Dictionary<string, Resources>(StringComparer.Ordinal);
        foreach (var offer in offers.Values.Where(o => o.Framework == framework))
            byRole[offer.Role] = byRole.GetValueOrDefault(offer.Role, Resources.Empty).Add(offer.Resources);
        foreach (var task in tasks.Values.Where(t => t.Framework == framework && IsLive(t.State)))
            byRole[task.Role] = byRole.GetValueOrDefault(task.Role, Resources.Empty).Add(task.Resources);
        return byRole;
    }

    private OfferId NextOfferId() => new($"{options.OfferIdPrefix}-O{++offerCounter}");
}
