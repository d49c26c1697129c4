using System.Globalization;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Protocol.Http;

using Resources = Mesos.HA.Protocol.Resources.Resources;

/// <summary>
/// Resources in the Mesos v1 shape (<see cref="V1.Resource"/>): a list of <c>{"name", "type":
/// SCALAR|RANGES|SET, "scalar": {"value"}, "ranges": {"range": [{"begin","end"}]}, "set": {"item": []}}</c>
/// with static reservations as <c>"reservations": [{"type": "STATIC", "role"}]</c> (the pre-1.9
/// <c>"role"</c> field is read too).
/// </summary>
public static class ResourceJson
{
    /// <summary>The resources as Mesos lists them: scalars, then ranges, then sets, each with the allocation role if given.</summary>
    public static List<V1.Resource> ToContract(Resources resources, string? allocationRole)
    {
        var allocation = allocationRole is null ? null : new V1.AllocationInfo { Role = allocationRole };
        var list = new List<V1.Resource>();
        foreach (var (key, amount) in resources.Scalars)
            list.Add(Entry(key, "SCALAR", allocation) with { Scalar = new V1.ScalarValue { Value = amount.ToDouble() } });
        foreach (var (key, ranges) in resources.Ranges)
        {
            list.Add(Entry(key, "RANGES", allocation) with
            {
                Ranges = new V1.RangesValue { Range = [.. ranges.Ranges.Select(r => new V1.RangeValue { Begin = r.Begin, End = r.End })] },
            });
        }
        foreach (var (key, items) in resources.Sets)
            list.Add(Entry(key, "SET", allocation) with { Set = new V1.SetValue { Item = [.. items] } });
        return list;
    }

    private static V1.Resource Entry(ResourceKey key, string type, V1.AllocationInfo? allocation) => new()
    {
        Name = key.Name,
        Type = type,
        Reservations = key.Role == ResourceKey.Unreserved ? null : [new V1.Reservation { Type = "STATIC", Role = key.Role }],
        AllocationInfo = allocation,
    };

    /// <summary>Reads a resource list (absent: none); the error names the entry that is wrong.</summary>
    public static bool TryRead(IReadOnlyList<V1.Resource?>? list, out Resources resources, out string? error)
    {
        resources = Resources.Empty;
        error = null;
        if (list is null) return true;
        for (var i = 0; i < list.Count; i++)
        {
            if (!TryReadOne(list[i], out var one, out var problem))
            {
                error = $"resources[{i}]: {problem}";
                return false;
            }
            resources = resources.Add(one);
        }
        return true;
    }

    private static bool TryReadOne(V1.Resource? entry, out Resources resource, out string? error)
    {
        resource = Resources.Empty;
        error = null;
        if (entry is null) { error = "must be an object"; return false; }
        var name = entry.Name;
        if (string.IsNullOrWhiteSpace(name)) { error = "has no name"; return false; }
        var role = Role(entry);
        var type = entry.Type ?? (entry.Ranges is not null ? "RANGES" : entry.Set is not null ? "SET" : "SCALAR");
        switch (type)
        {
            case "SCALAR":
                if (entry.Scalar?.Value is not { } amount || amount < 0 || double.IsNaN(amount) || amount > 1e12)
                {
                    error = $"{name}: scalar.value must be a non-negative number";
                    return false;
                }
                if (!Scalar.TryParse(amount.ToString("0.###", CultureInfo.InvariantCulture), out var scalar, out var bad)) { error = $"{name}: {bad}"; return false; }
                resource = Resources.Scalar(name, scalar, role);
                return true;
            case "RANGES":
                var ranges = new List<ValueRange>();
                foreach (var r in entry.Ranges?.Range ?? [])
                {
                    if (r?.Begin is not { } begin || r.End is not { } end || begin > end || begin < 0)
                    {
                        error = $"{name}: each range needs begin <= end";
                        return false;
                    }
                    ranges.Add(new ValueRange(begin, end));
                }
                resource = Resources.Range(name, RangeSet.Of(ranges), role);
                return true;
            case "SET":
                var items = entry.Set?.Item ?? [];
                if (items.Any(i => i is null)) { error = $"{name}: set items must be strings"; return false; }
                resource = Resources.Set(name, items!, role);
                return true;
            default:
                error = $"{name}: unknown type {type}";
                return false;
        }
    }

    private static string Role(V1.Resource entry)
    {
        if (entry.Reservations is { Count: > 0 } reservations && reservations[^1]?.Role is { Length: > 0 } reserved)
            return reserved;
        return entry.Role is { Length: > 0 } legacy ? legacy : ResourceKey.Unreserved;
    }
}
