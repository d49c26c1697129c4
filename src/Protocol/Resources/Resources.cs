using System.Collections.Immutable;
using System.Text;

namespace Mesos.HA.Protocol.Resources;

/// <summary>
/// A bag of resources: scalars (cpus, mem, disk, gpus), ranges (ports) and sets, each under a
/// name and a role. Immutable, with exact arithmetic and a canonical order, so equal bags print
/// and compare equal. Zero amounts and empty ranges or sets are never stored.
/// </summary>
public sealed class Resources : IEquatable<Resources>
{
    public static readonly Resources Empty = new(
        ImmutableSortedDictionary<ResourceKey, Scalar>.Empty,
        ImmutableSortedDictionary<ResourceKey, RangeSet>.Empty,
        ImmutableSortedDictionary<ResourceKey, ImmutableSortedSet<string>>.Empty);

    private Resources(
        ImmutableSortedDictionary<ResourceKey, Scalar> scalars,
        ImmutableSortedDictionary<ResourceKey, RangeSet> ranges,
        ImmutableSortedDictionary<ResourceKey, ImmutableSortedSet<string>> sets)
    {
        Scalars = scalars;
        Ranges = ranges;
        Sets = sets;
    }

    public ImmutableSortedDictionary<ResourceKey, Scalar> Scalars { get; }
    public ImmutableSortedDictionary<ResourceKey, RangeSet> Ranges { get; }
    public ImmutableSortedDictionary<ResourceKey, ImmutableSortedSet<string>> Sets { get; }

    public bool IsEmpty => Scalars.IsEmpty && Ranges.IsEmpty && Sets.IsEmpty;

    public static Resources Scalar(string name, Scalar amount, string role = ResourceKey.Unreserved) =>
        Empty.WithScalar(new ResourceKey(name, role), amount);

    public static Resources Range(string name, RangeSet values, string role = ResourceKey.Unreserved) =>
        values.IsEmpty ? Empty : new(Empty.Scalars, Empty.Ranges.Add(new ResourceKey(name, role), values), Empty.Sets);

    public static Resources Set(string name, IEnumerable<string> items, string role = ResourceKey.Unreserved)
    {
        var set = items.ToImmutableSortedSet(StringComparer.Ordinal);
        return set.IsEmpty ? Empty : new(Empty.Scalars, Empty.Ranges, Empty.Sets.Add(new ResourceKey(name, role), set));
    }

    // Derived once per (immutable) instance: the allocator asks for totals on every step.
    private Dictionary<string, Scalar>? totals;
    private int reservations; // 0 unknown, 1 none, 2 some

    /// <summary>The amount of a scalar across every role (what DRF shares are computed from).</summary>
    public Scalar Total(string name)
    {
        var byName = totals;
        if (byName is null)
        {
            byName = new Dictionary<string, Scalar>(StringComparer.Ordinal);
            foreach (var (key, amount) in Scalars)
                byName[key.Name] = byName.GetValueOrDefault(key.Name) + amount;
            totals = byName;
        }
        return byName.GetValueOrDefault(name);
    }

    /// <summary>Whether any resource here is reserved for a role.</summary>
    public bool HasReservations
    {
        get
        {
            if (reservations == 0)
            {
                var any = Scalars.Keys.Any(k => k.Role != ResourceKey.Unreserved)
                    || Ranges.Keys.Any(k => k.Role != ResourceKey.Unreserved)
                    || Sets.Keys.Any(k => k.Role != ResourceKey.Unreserved);
                reservations = any ? 2 : 1;
            }
            return reservations == 2;
        }
    }

    /// <summary>Only the resources a framework in <paramref name="role"/> may use: unreserved ones and those reserved for it.</summary>
    public Resources AllocatableTo(string role) => Filter(k => k.Role == ResourceKey.Unreserved || k.Role == role);

    public Resources Filter(Func<ResourceKey, bool> keep)
    {
        // Entries are already in key order: builders avoid re-sorting what is sorted.
        var scalars = ImmutableSortedDictionary.CreateBuilder<ResourceKey, Protocol.Resources.Scalar>();
        foreach (var (key, value) in Scalars) if (keep(key)) scalars.Add(key, value);
        var ranges = ImmutableSortedDictionary.CreateBuilder<ResourceKey, RangeSet>();
        foreach (var (key, value) in Ranges) if (keep(key)) ranges.Add(key, value);
        var sets = ImmutableSortedDictionary.CreateBuilder<ResourceKey, ImmutableSortedSet<string>>();
        foreach (var (key, value) in Sets) if (keep(key)) sets.Add(key, value);
        return new Resources(scalars.ToImmutable(), ranges.ToImmutable(), sets.ToImmutable());
    }

    /// <summary>
    /// These resources with each scalar's total cut to <paramref name="capMilli"/>(name) (null: no cap),
    /// taking from the entries of that name in key order. Ranges and sets are kept.
    /// </summary>
    public Resources CapScalars(Func<string, long?> capMilli)
    {
        var scalars = Scalars;
        var left = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, amount) in Scalars)
        {
            if (capMilli(key.Name) is not { } cap) continue;
            var room = left.TryGetValue(key.Name, out var l) ? l : Math.Max(0, cap);
            var take = Math.Min(room, amount.Milli);
            left[key.Name] = room - take;
            scalars = take == 0 ? scalars.Remove(key) : scalars.SetItem(key, new Protocol.Resources.Scalar(take));
        }
        return ReferenceEquals(scalars, Scalars) ? this : new Resources(scalars, Ranges, Sets);
    }

    /// <summary>The roles some resource here is reserved for, in order.</summary>
    public IEnumerable<string> ReservedRoles =>
        Scalars.Keys.Select(k => k.Role).Concat(Ranges.Keys.Select(k => k.Role)).Concat(Sets.Keys.Select(k => k.Role))
            .Where(r => r != ResourceKey.Unreserved).Distinct().Order(StringComparer.Ordinal);

    public Resources Add(Resources other)
    {
        var scalars = Scalars;
        foreach (var (key, amount) in other.Scalars)
            scalars = scalars.SetItem(key, scalars.GetValueOrDefault(key) + amount);
        var ranges = Ranges;
        foreach (var (key, values) in other.Ranges)
            ranges = ranges.SetItem(key, ranges.TryGetValue(key, out var mine) ? mine.Union(values) : values);
        var sets = Sets;
        foreach (var (key, items) in other.Sets)
            sets = sets.SetItem(key, sets.TryGetValue(key, out var mine) ? mine.Union(items) : items);
        return new Resources(scalars, ranges, sets);
    }

    /// <summary>Whether every resource of <paramref name="other"/> (amount, range values, set items, per role) is here.</summary>
    public bool Contains(Resources other) =>
        other.Scalars.All(s => Scalars.GetValueOrDefault(s.Key) >= s.Value)
        && other.Ranges.All(r => Ranges.TryGetValue(r.Key, out var mine) && mine.Contains(r.Value))
        && other.Sets.All(s => Sets.TryGetValue(s.Key, out var mine) && mine.IsSupersetOf(s.Value));

    /// <summary>These resources without <paramref name="other"/>; throws when <paramref name="other"/> is not contained.</summary>
    public Resources Subtract(Resources other)
    {
        if (!Contains(other)) throw new InvalidOperationException($"cannot take {other} from {this}");
        var result = this;
        foreach (var (key, amount) in other.Scalars)
            result = result.WithScalar(key, result.Scalars[key] - amount);
        foreach (var (key, values) in other.Ranges)
        {
            var left = result.Ranges[key].Except(values);
            result = new Resources(result.Scalars, left.IsEmpty ? result.Ranges.Remove(key) : result.Ranges.SetItem(key, left), result.Sets);
        }
        foreach (var (key, items) in other.Sets)
        {
            var left = result.Sets[key].Except(items);
            result = new Resources(result.Scalars, result.Ranges, left.IsEmpty ? result.Sets.Remove(key) : result.Sets.SetItem(key, left));
        }
        return result;
    }

    private Resources WithScalar(ResourceKey key, Scalar amount) =>
        new(amount.Milli == 0 ? Scalars.Remove(key) : Scalars.SetItem(key, amount), Ranges, Sets);

    /// <summary>The canonical text form, which <see cref="ResourceText.Parse"/> reads back: <c>cpus:4;mem:8192;ports:[31000-32000]</c>.</summary>
    public override string ToString()
    {
        var parts = new List<(ResourceKey Key, string Text)>();
        parts.AddRange(Scalars.Select(s => (s.Key, $"{s.Key}:{s.Value}")));
        parts.AddRange(Ranges.Select(r => (r.Key, $"{r.Key}:{r.Value}")));
        parts.AddRange(Sets.Select(s => (s.Key, $"{s.Key}:{{{string.Join(",", s.Value)}}}")));
        var text = new StringBuilder();
        foreach (var (_, part) in parts.OrderBy(p => p.Key))
        {
            if (text.Length > 0) text.Append(';');
            text.Append(part);
        }
        return text.ToString();
    }

    public bool Equals(Resources? other) =>
        other is not null
        && Scalars.Count == other.Scalars.Count && Scalars.All(s => other.Scalars.TryGetValue(s.Key, out var v) && v == s.Value)
        && Ranges.Count == other.Ranges.Count && Ranges.All(r => other.Ranges.TryGetValue(r.Key, out var v) && v.Equals(r.Value))
        && Sets.Count == other.Sets.Count && Sets.All(s => other.Sets.TryGetValue(s.Key, out var v) && v.SetEquals(s.Value));

    public override bool Equals(object? obj) => Equals(obj as Resources);

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}
