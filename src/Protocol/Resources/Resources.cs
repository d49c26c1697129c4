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
        [],
        ImmutableSortedDictionary<ResourceKey, RangeSet>.Empty,
        ImmutableSortedDictionary<ResourceKey, ImmutableSortedSet<string>>.Empty);

    // Scalars in key order, never zero. The allocator adds, subtracts and compares these on every
    // step; a small sorted array does that with one allocation where the immutable tree needed a node
    // per changed key. The dictionary form (Scalars) is built only when asked for.
    private readonly KeyValuePair<ResourceKey, Scalar>[] scalars;
    private ImmutableSortedDictionary<ResourceKey, Scalar>? scalarView;

    private Resources(
        KeyValuePair<ResourceKey, Scalar>[] scalars,
        ImmutableSortedDictionary<ResourceKey, RangeSet> ranges,
        ImmutableSortedDictionary<ResourceKey, ImmutableSortedSet<string>> sets)
    {
        this.scalars = scalars;
        Ranges = ranges;
        Sets = sets;
    }

    public ImmutableSortedDictionary<ResourceKey, Scalar> Scalars =>
        scalarView ??= scalars.Length == 0 ? ImmutableSortedDictionary<ResourceKey, Scalar>.Empty : ImmutableSortedDictionary.CreateRange(scalars);
    public ImmutableSortedDictionary<ResourceKey, RangeSet> Ranges { get; }
    public ImmutableSortedDictionary<ResourceKey, ImmutableSortedSet<string>> Sets { get; }

    public bool IsEmpty => scalars.Length == 0 && Ranges.IsEmpty && Sets.IsEmpty;

    /// <summary>Whether there are only scalars (no ranges, no sets): the common case the fast paths serve.</summary>
    private bool ScalarsOnly => Ranges.IsEmpty && Sets.IsEmpty;

    public static Resources Scalar(string name, Scalar amount, string role = ResourceKey.Unreserved) =>
        amount.Milli == 0 ? Empty : new([new(new ResourceKey(name, role), amount)], Empty.Ranges, Empty.Sets);

    public static Resources Range(string name, RangeSet values, string role = ResourceKey.Unreserved) =>
        values.IsEmpty ? Empty : new([], Empty.Ranges.Add(new ResourceKey(name, role), values), Empty.Sets);

    public static Resources Set(string name, IEnumerable<string> items, string role = ResourceKey.Unreserved)
    {
        var set = items.ToImmutableSortedSet(StringComparer.Ordinal);
        return set.IsEmpty ? Empty : new([], Empty.Ranges, Empty.Sets.Add(new ResourceKey(name, role), set));
    }

    // Derived once per (immutable) instance.
    private IReadOnlyList<string>? scalarNames;
    private int reservations; // 0 unknown, 1 none, 2 some

    /// <summary>The amount of a scalar across every role (what DRF shares are computed from).</summary>
    public Scalar Total(string name)
    {
        var milli = 0L;
        foreach (var (key, amount) in scalars)
            if (string.Equals(key.Name, name, StringComparison.Ordinal)) milli = checked(milli + amount.Milli);
        return new Scalar(milli);
    }

    /// <summary>The names of the scalars here (any role), each once, in ordinal order.</summary>
    public IReadOnlyList<string> ScalarNames
    {
        get
        {
            if (scalarNames is { } known) return known;
            var names = new List<string>(scalars.Length);
            foreach (var (key, _) in scalars)
                if (names.Count == 0 || !string.Equals(names[^1], key.Name, StringComparison.Ordinal)) names.Add(key.Name);
            return scalarNames = [.. names];
        }
    }

    /// <summary>Whether any resource here is reserved for a role.</summary>
    public bool HasReservations
    {
        get
        {
            if (reservations == 0)
            {
                var any = false;
                foreach (var (key, _) in scalars) any |= key.Role != ResourceKey.Unreserved;
                any = any || (!Ranges.IsEmpty && Ranges.Keys.Any(k => k.Role != ResourceKey.Unreserved))
                    || (!Sets.IsEmpty && Sets.Keys.Any(k => k.Role != ResourceKey.Unreserved));
                reservations = any ? 2 : 1;
            }
            return reservations == 2;
        }
    }

    /// <summary>Only the resources a framework in <paramref name="role"/> may use: unreserved ones and those reserved for it.</summary>
    public Resources AllocatableTo(string role) => Filter(k => k.Role == ResourceKey.Unreserved || k.Role == role);

    public Resources Filter(Func<ResourceKey, bool> keep)
    {
        var kept = new List<KeyValuePair<ResourceKey, Protocol.Resources.Scalar>>(scalars.Length);
        foreach (var entry in scalars) if (keep(entry.Key)) kept.Add(entry);
        // Entries are already in key order: builders avoid re-sorting what is sorted.
        var ranges = Ranges;
        if (!Ranges.IsEmpty)
        {
            var builder = ImmutableSortedDictionary.CreateBuilder<ResourceKey, RangeSet>();
            foreach (var (key, value) in Ranges) if (keep(key)) builder.Add(key, value);
            ranges = builder.ToImmutable();
        }
        var sets = Sets;
        if (!Sets.IsEmpty)
        {
            var builder = ImmutableSortedDictionary.CreateBuilder<ResourceKey, ImmutableSortedSet<string>>();
            foreach (var (key, value) in Sets) if (keep(key)) builder.Add(key, value);
            sets = builder.ToImmutable();
        }
        return new Resources([.. kept], ranges, sets);
    }

    /// <summary>
    /// These resources with each scalar's total cut to <paramref name="capMilli"/>(name) (null: no cap),
    /// taking from the entries of that name in key order. Ranges and sets are kept.
    /// </summary>
    public Resources CapScalars(Func<string, long?> capMilli)
    {
        List<KeyValuePair<ResourceKey, Protocol.Resources.Scalar>>? cut = null;
        string? name = null;
        long? room = null; // what is left under the cap of the current name (entries of a name are adjacent)
        for (var i = 0; i < scalars.Length; i++)
        {
            var (key, amount) = scalars[i];
            if (!string.Equals(key.Name, name, StringComparison.Ordinal))
            {
                name = key.Name;
                room = capMilli(name) is { } cap ? Math.Max(0, cap) : null;
            }
            var take = room is { } r ? Math.Min(r, amount.Milli) : amount.Milli;
            if (room is not null) room -= take;
            if (take != amount.Milli && cut is null)
            {
                cut = new List<KeyValuePair<ResourceKey, Protocol.Resources.Scalar>>(scalars.Length);
                for (var j = 0; j < i; j++) cut.Add(scalars[j]);
            }
            if (cut is not null && take != 0) cut.Add(new(key, new Protocol.Resources.Scalar(take)));
        }
        return cut is null ? this : new Resources([.. cut], Ranges, Sets);
    }

    // One reference, so a reader on another thread sees the whole answer or none (this type is shared freely).
    private Tuple<Resources, IReadOnlyDictionary<string, Resources>>? byReservation;

    /// <summary>
    /// These resources as the unreserved part and, per role in order, the part reserved for it. Derived once per
    /// (immutable) instance: the allocator asks it of every agent with reservations on every pass, and an agent's
    /// free resources stay the same instance while nothing on it changes.
    /// </summary>
    public (Resources Unreserved, IReadOnlyDictionary<string, Resources> ByRole) ByReservation()
    {
        if (byReservation is { } known) return (known.Item1, known.Item2);
        var byRole = new Dictionary<string, Resources>(StringComparer.Ordinal);
        foreach (var role in ReservedRoles) byRole[role] = Filter(k => k.Role == role);
        var unreserved = Filter(k => k.Role == ResourceKey.Unreserved);
        byReservation = Tuple.Create(unreserved, (IReadOnlyDictionary<string, Resources>)byRole);
        return (unreserved, byRole);
    }

    /// <summary>The roles some resource here is reserved for, in order.</summary>
    public IEnumerable<string> ReservedRoles =>
        scalars.Select(s => s.Key.Role).Concat(Ranges.Keys.Select(k => k.Role)).Concat(Sets.Keys.Select(k => k.Role))
            .Where(r => r != ResourceKey.Unreserved).Distinct().Order(StringComparer.Ordinal);

    public Resources Add(Resources other)
    {
        if (other.IsEmpty) return this;
        if (IsEmpty) return other;
        var sum = MergeScalars(other.scalars, subtract: false);
        var ranges = Ranges;
        if (!other.Ranges.IsEmpty)
            foreach (var (key, values) in other.Ranges)
                ranges = ranges.SetItem(key, ranges.TryGetValue(key, out var mine) ? mine.Union(values) : values);
        var sets = Sets;
        if (!other.Sets.IsEmpty)
            foreach (var (key, items) in other.Sets)
                sets = sets.SetItem(key, sets.TryGetValue(key, out var mine) ? mine.Union(items) : items);
        return new Resources(sum, ranges, sets);
    }

    /// <summary>Whether every resource of <paramref name="other"/> (amount, range values, set items, per role) is here.</summary>
    public bool Contains(Resources other)
    {
        // Both arrays are in key order: one walk finds each of other's keys here.
        var i = 0;
        foreach (var (key, amount) in other.scalars)
        {
            while (i < scalars.Length && scalars[i].Key.CompareTo(key) < 0) i++;
            if (i == scalars.Length || scalars[i].Key.CompareTo(key) != 0 || scalars[i].Value < amount) return false;
        }
        if (other.ScalarsOnly) return true;
        return other.Ranges.All(r => Ranges.TryGetValue(r.Key, out var mine) && mine.Contains(r.Value))
            && other.Sets.All(s => Sets.TryGetValue(s.Key, out var mine) && mine.IsSupersetOf(s.Value));
    }

    /// <summary>These resources without <paramref name="other"/>; throws when <paramref name="other"/> is not contained.</summary>
    public Resources Subtract(Resources other)
    {
        if (!Contains(other)) throw new InvalidOperationException($"cannot take {other} from {this}");
        if (other.IsEmpty) return this;
        var result = new Resources(MergeScalars(other.scalars, subtract: true), Ranges, Sets);
        foreach (var (key, values) in other.Ranges)
        {
            var left = result.Ranges[key].Except(values);
            result = new Resources(result.scalars, left.IsEmpty ? result.Ranges.Remove(key) : result.Ranges.SetItem(key, left), result.Sets);
        }
        foreach (var (key, items) in other.Sets)
        {
            var left = result.Sets[key].Except(items);
            result = new Resources(result.scalars, result.Ranges, left.IsEmpty ? result.Sets.Remove(key) : result.Sets.SetItem(key, left));
        }
        return result;
    }

    /// <summary>
    /// This array merged with <paramref name="others"/> (both in key order): amounts of equal keys added,
    /// or subtracted (the caller checked containment), zero amounts dropped.
    /// </summary>
    private KeyValuePair<ResourceKey, Scalar>[] MergeScalars(KeyValuePair<ResourceKey, Scalar>[] others, bool subtract)
    {
        if (others.Length == 0) return scalars;
        // First count, so the result is allocated once at its size.
        int i = 0, j = 0, n = 0;
        while (i < scalars.Length || j < others.Length)
        {
            var order = Order(scalars, i, others, j);
            if (order == 0 && subtract && scalars[i].Value == others[j].Value) n--;
            if (order <= 0) i++;
            if (order >= 0) j++;
            n++;
        }
        var merged = new KeyValuePair<ResourceKey, Scalar>[n];
        i = j = n = 0;
        while (i < scalars.Length || j < others.Length)
        {
            var order = Order(scalars, i, others, j);
            if (order < 0) merged[n++] = scalars[i++];
            else if (order > 0) merged[n++] = others[j++]; // only when adding: subtracted keys are all here
            else
            {
                var amount = subtract ? scalars[i].Value - others[j].Value : scalars[i].Value + others[j].Value;
                if (amount.Milli != 0) merged[n++] = new(scalars[i].Key, amount);
                i++;
                j++;
            }
        }
        return merged;
    }

    /// <summary>How the next keys of two merged arrays compare; an exhausted array's key counts as larger.</summary>
    private static int Order(KeyValuePair<ResourceKey, Scalar>[] a, int i, KeyValuePair<ResourceKey, Scalar>[] b, int j) =>
        i == a.Length ? 1 : j == b.Length ? -1 : a[i].Key.CompareTo(b[j].Key);

    /// <summary>The canonical text form, which <see cref="ResourceText.Parse"/> reads back: <c>cpus:4;mem:8192;ports:[31000-32000]</c>.</summary>
    public override string ToString() => text ??= Text();

    private string? text;

    private string Text()
    {
        if (ScalarsOnly)
        {
            // Already in key order: no sort.
            var scalarText = new StringBuilder();
            foreach (var (key, amount) in scalars)
            {
                if (scalarText.Length > 0) scalarText.Append(';');
                scalarText.Append(key.ToString()).Append(':').Append(amount.ToString());
            }
            return scalarText.ToString();
        }
        var parts = new List<(ResourceKey Key, string Text)>();
        parts.AddRange(scalars.Select(s => (s.Key, $"{s.Key}:{s.Value}")));
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
        && SameScalars(scalars, other.scalars)
        && Ranges.Count == other.Ranges.Count && Ranges.All(r => other.Ranges.TryGetValue(r.Key, out var v) && v.Equals(r.Value))
        && Sets.Count == other.Sets.Count && Sets.All(s => other.Sets.TryGetValue(s.Key, out var v) && v.SetEquals(s.Value));

    private static bool SameScalars(KeyValuePair<ResourceKey, Scalar>[] a, KeyValuePair<ResourceKey, Scalar>[] b)
    {
        if (a.Length != b.Length) return false;
        for (var i = 0; i < a.Length; i++)
            if (a[i].Key != b[i].Key || a[i].Value != b[i].Value) return false;
        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as Resources);

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}
