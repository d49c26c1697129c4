using Mesos.HA.Master.Allocation;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Master.Core;

public sealed partial class MasterCore
{
    /// <summary>
    /// Runs an allocation cycle over what is free now and turns its decisions into offers. An agent
    /// whose offers and live tasks exceed its total (a bug, or an agent that came back smaller than
    /// what it runs) offers nothing and is reported once with <see cref="AgentOvercommitted"/>.
    /// </summary>
    public IReadOnlyList<Effect> Allocate(IReadOnlyDictionary<string, double> weights, IReadOnlyDictionary<string, RoleQuota> quotas,
        DateTimeOffset now)
    {
        filters.RemoveAll(f => f.Until <= now);
        // One pass over offers and live tasks: what each agent has given out, and what each
        // framework holds per role (asking per agent and per framework would be quadratic).
        var takenByAgent = new Dictionary<AgentId, Resources>();
        var heldByFramework = new Dictionary<FrameworkId, Dictionary<string, Resources>>();
        foreach (var (agent, framework, role, resources) in Holdings())
        {
            takenByAgent[agent] = takenByAgent.GetValueOrDefault(agent, Resources.Empty).Add(resources);
            if (!heldByFramework.TryGetValue(framework, out var byRole))
                heldByFramework[framework] = byRole = new Dictionary<string, Resources>(StringComparer.Ordinal);
            byRole[role] = byRole.GetValueOrDefault(role, Resources.Empty).Add(resources);
        }
        var effects = new List<Effect>();
        var free = new List<AllocatorAgent>();
        foreach (var a in agents.Values)
        {
            var taken = takenByAgent.GetValueOrDefault(a.Id, Resources.Empty);
            if (a.Total.Contains(taken))
            {
                free.Add(new AllocatorAgent(a.Id, a.Total.Subtract(taken)));
                a.OvercommitReported = false;
            }
            else if (!a.OvercommitReported)
            {
                // A broken invariant, reported once, not thrown: one agent's books must not stop
                // allocation, the ping and failover checks of the whole pass. Nothing more is offered from it.
                effects.Add(new AgentOvercommitted(a.Id, a.Total, taken));
                a.OvercommitReported = true;
            }
        }
        var total = agents.Values.Aggregate(Resources.Empty, (sum, a) => sum.Add(a.Total));
        var connected = frameworks.Values.Where(f => f.Connected).Select(f => new AllocatorFramework(
            f.Id, f.Roles, f.Suppressed,
            heldByFramework.GetValueOrDefault(f.Id) ?? new Dictionary<string, Resources>(StringComparer.Ordinal))).ToArray();
        var decisions = allocator.Allocate(new AllocationInput(free, connected, total, weights, filters, now) { Quotas = quotas });
        var made = decisions.Select(d => new Offer(NextOfferId(), d.Framework, d.Agent, d.Role, d.Resources, now)).ToArray();
        foreach (var offer in made) offers[offer.Id] = offer;
        effects.AddRange(made.GroupBy(o => o.Framework.Value, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new SendOffers(g.First().Framework, [.. g])));
        return effects;
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

    /// <summary>Everything given out: outstanding offers and live tasks, with their agent, framework and role.</summary>
    private IEnumerable<(AgentId Agent, FrameworkId Framework, string Role, Resources Resources)> Holdings() =>
        offers.Values.Select(o => (o.Agent, o.Framework, o.Role, o.Resources))
            .Concat(tasks.Values.Where(t => IsLive(t.State)).Select(t => (t.Agent, t.Framework, t.Role, t.Resources)));

    private OfferId NextOfferId() => new($"{options.OfferIdPrefix}-O{++offerCounter}");
}
