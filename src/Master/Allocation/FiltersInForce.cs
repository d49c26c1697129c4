using System.Runtime.InteropServices;

namespace Mesos.HA.Master.Allocation;

/// <summary>
/// The offer filters in force at a cycle's time, per agent id: the frameworks kept off it. Keyed by the
/// ids' strings, which hash cheaply on their own (a pair of strings as one key costs a randomized hash
/// of each). A master passes the same filters cycle after cycle (they change on a decline, a revive
/// or an expiry), so the last answer is kept while the filters are the same records and none of those
/// in force has expired; the filters are compared record by record, never trusted by the list alone.
/// </summary>
internal sealed class FiltersInForce
{
    private OfferFilter[] filters = [];
    private DateTimeOffset now = DateTimeOffset.MaxValue;
    private DateTimeOffset firstExpiry = DateTimeOffset.MinValue;
    private Dictionary<string, FrameworksKeptOff> inForce = new(StringComparer.Ordinal);

    /// <summary>The filters of <paramref name="all"/> in force at <paramref name="at"/>; the caller must not change the answer.</summary>
    public Dictionary<string, FrameworksKeptOff> Of(IReadOnlyList<OfferFilter> all, DateTimeOffset at)
    {
        // Time moves forward from the kept answer's time and no filter in force has expired: those out of force stay out.
        if (at >= now && at < firstExpiry && Same(all)) return inForce;
        filters = [.. all];
        now = at;
        firstExpiry = DateTimeOffset.MaxValue;
        inForce = new Dictionary<string, FrameworksKeptOff>(StringComparer.Ordinal);
        foreach (var f in filters)
        {
            if (f.Until <= at) continue;
            if (f.Until < firstExpiry) firstExpiry = f.Until;
            CollectionsMarshal.GetValueRefOrAddDefault(inForce, f.Agent.Value, out _).Add(f.Framework.Value);
        }
        return inForce;
    }

    private bool Same(IReadOnlyList<OfferFilter> all)
    {
        if (all.Count != filters.Length) return false;
        for (var i = 0; i < filters.Length; i++)
            if (!ReferenceEquals(all[i], filters[i])) return false;
        return true;
    }
}
