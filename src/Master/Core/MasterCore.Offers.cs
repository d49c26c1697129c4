using System.Runtime.InteropServices;
using Mesos.HA.Master.Allocation;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Master.Core;

public sealed partial class MasterCore
{
    /// <summary>
    /// Runs an allocation cycle over what is free now (see <see cref="HeldResources"/>) and turns its decisions into offers. An agent
    /// whose offers and live tasks exceed its total (a bug, or an agent that came back smaller than
    /// what it runs) offers nothing and is reported once with <see cref="AgentOvercommitted"/>.
    /// </summary>
    public IReadOnlyList<Effect> Allocate(IReadOnlyDictionary<string, double> weights, IReadOnlyDictionary<string, RoleQuota> quotas,
        DateTimeOffset now)
    {
        filters.RemoveAll(f => f.Until <= now && Unfiltered(f));
        if (held.Stale) held.Recount(Holdings());
        var effects = new List<Effect>();
        var free = new List<AllocatorAgent>(agents.Count);
        foreach (var a in agents.Values)
        {
            if (Deactivated(a.Id)) continue;
            var taken = held.OnAgent(a.Id);
            if (a.Total.Contains(taken))
            {
                free.Add(a.Free(taken));
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
        var connected = new List<AllocatorFramework>(frameworks.Count);
        foreach (var f in frameworks.Values)
            if (f.Connected)
                connected.Add(new AllocatorFramework(f.Id, f.Roles, f.Suppressed, held.OfFramework(f.Id) ?? NothingHeld));
        var decisions = allocator.Allocate(new AllocationInput(free, connected, ClusterTotal(), weights, filters, now) { Quotas = quotas });
        if (decisions.Count == 0) return [.. effects, .. InverseOffersDue(now)];
        // Offer ids in decision order; one SendOffers per framework, in framework id order.
        var byFramework = new SortedDictionary<string, List<Offer>>(StringComparer.Ordinal);
        foreach (var d in decisions)
        {
            var offer = new Offer(NextOfferId(), d.Framework, d.Agent, d.Role, d.Resources, now)
            {
                Unavailability = machines.Count > 0 && agents.TryGetValue(d.Agent.Value, out var on) ? on.Machine?.Unavailability : null,
            };
            offers[offer.Id] = offer;
            if (!byFramework.TryGetValue(d.Framework.Value, out var mine)) byFramework[d.Framework.Value] = mine = new List<Offer>();
            mine.Add(offer);
        }
        // Built from a sequence of unknown length, as before: the simulator's history prints the list's
        // type name, so another collection type would change every digest without changing a decision.
        foreach (var (_, mine) in byFramework) effects.Add(new SendOffers(mine[0].Framework, [.. mine.AsEnumerable()]));
        effects.AddRange(InverseOffersDue(now));
        return effects;
    }

    private static readonly IReadOnlyDictionary<string, Resources> NothingHeld = new Dictionary<string, Resources>(StringComparer.Ordinal);

    /// <summary>The sum of every agent's total, kept until an agent is added or removed (the allocator needs it every pass).</summary>
    private Resources ClusterTotal()
    {
        if (clusterTotal is { } known) return known;
        var total = Resources.Empty;
        foreach (var a in agents.Values) total = total.Add(a.Total);
        return clusterTotal = total;
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

    /// <summary>Rescinds offers and inverse offers older than the offer timeout.</summary>
    public IReadOnlyList<Effect> ExpireOffers(DateTimeOffset now) =>
        options.OfferTimeout is { } timeout
            ? [.. RescindWhere(o => now - o.CreatedAt >= timeout), .. RescindInverseWhere(i => now - i.CreatedAt >= timeout)]
            : [];

    private IReadOnlyList<Effect> RescindWhere(Func<Offer, bool> predicate) => Rescind(offers.Values.Where(predicate));

    /// <summary>Rescinds the agent's outstanding offers (through the per-agent index: not a scan of every offer).</summary>
    private IReadOnlyList<Effect> RescindOnAgent(AgentId agent) => Rescind(offers.OnAgent(agent));

    private IReadOnlyList<Effect> Rescind(IEnumerable<Offer> which)
    {
        var gone = which.OrderBy(o => o.Id.Value, StringComparer.Ordinal).ToArray();
        foreach (var offer in gone) offers.Remove(offer.Id);
        return [.. gone.Select(o => new RescindOffer(o.Framework, o.Id))];
    }

    private void AddFilter(FrameworkId framework, AgentId agent, TimeSpan refuse, DateTimeOffset now)
    {
        if (refuse <= TimeSpan.Zero) return;
        // At most one filter per pair: one already there is replaced (at the end, as before).
        if (!filteredPairs.Add((framework, agent))) filters.RemoveAll(f => f.Framework == framework && f.Agent == agent);
        filters.Add(new OfferFilter(framework, agent, now + refuse));
    }

    /// <summary>The filter leaves <see cref="filteredPairs"/>; true, so a removal predicate can end with it.</summary>
    private bool Unfiltered(OfferFilter f)
    {
        filteredPairs.Remove((f.Framework, f.Agent));
        return true;
    }

    /// <summary>Everything given out: outstanding offers, live tasks and running executors, with their agent, framework and role.</summary>
    private IEnumerable<(AgentId Agent, FrameworkId Framework, string Role, Resources Resources)> Holdings() =>
        offers.Values.Select(o => (o.Agent, o.Framework, o.Role, o.Resources))
            .Concat(tasks.Values.Where(t => IsLive(t.State)).Select(t => (t.Agent, t.Framework, t.Role, t.Resources)))
            .Concat(executors.Values.Select(e => (e.Agent, e.Framework, e.Role, e.Executor.Resources)));

    private OfferId NextOfferId() => new($"{options.OfferIdPrefix}-O{++offerCounter}");
}
