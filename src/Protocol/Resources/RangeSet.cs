using System.Collections.Immutable;
using MessagePack;

namespace Mesos.HA.Protocol.Resources;

/// <summary>An inclusive range of values, such as ports 31000-32000.</summary>
[MessagePackObject]
public readonly record struct ValueRange([property: Key(0)] long Begin, [property: Key(1)] long End)
{
    public long Count => End - Begin + 1;

    public override string ToString() => $"{Begin}-{End}";
}

/// <summary>
/// A set of values kept as sorted, disjoint, non-adjacent ranges (so equal sets have equal
/// representations). Immutable.
/// </summary>
[MessagePackObject]
public sealed record RangeSet([property: Key(0)] ImmutableArray<ValueRange> Ranges)
{
    public static readonly RangeSet Empty = new(ImmutableArray<ValueRange>.Empty);

    /// <summary>Normalises any ranges (unsorted, overlapping, adjacent) into a set.</summary>
    public static RangeSet Of(IEnumerable<ValueRange> ranges)
    {
        var sorted = ranges.OrderBy(r => r.Begin).ToList();
        var merged = ImmutableArray.CreateBuilder<ValueRange>();
        foreach (var r in sorted)
        {
            if (r.End < r.Begin) throw new ArgumentException($"range {r.Begin}-{r.End} ends before it begins");
            if (merged.Count > 0 && r.Begin <= merged[^1].End + 1)
                merged[^1] = merged[^1] with { End = Math.Max(merged[^1].End, r.End) };
            else
                merged.Add(r);
        }
        return new RangeSet(merged.ToImmutable());
    }

    public bool IsEmpty => Ranges.IsDefaultOrEmpty;

    public long Count => Ranges.IsDefault ? 0 : Ranges.Sum(r => r.Count);

    public RangeSet Union(RangeSet other) => Of(Ranges.Concat(other.Ranges));

    /// <summary>Whether every value of <paramref name="other"/> is in this set.</summary>
    public bool Contains(RangeSet other) =>
        other.Ranges.All(o => Ranges.Any(r => r.Begin <= o.Begin && o.End <= r.End));

    /// <summary>This set without the values of <paramref name="other"/> (splitting ranges as needed).</summary>
    public RangeSet Except(RangeSet other)
    {
        var result = new List<ValueRange>();
        foreach (var r in Ranges)
        {
            var pieces = new List<ValueRange> { r };
            foreach (var cut in other.Ranges)
            {
                var next = new List<ValueRange>();
                foreach (var p in pieces)
                {
                    if (cut.End < p.Begin || cut.Begin > p.End) { next.Add(p); continue; }
                    if (cut.Begin > p.Begin) next.Add(new ValueRange(p.Begin, cut.Begin - 1));
                    if (cut.End < p.End) next.Add(new ValueRange(cut.End + 1, p.End));
                }
                pieces = next;
            }
            result.AddRange(pieces);
        }
        return Of(result);
    }

    public override string ToString() => "[" + string.Join(",", Ranges.Select(r => r.ToString())) + "]";

    public bool Equals(RangeSet? other) => other is not null && Ranges.SequenceEqual(other.Ranges);

    public override int GetHashCode() => Ranges.Aggregate(0, (h, r) => HashCode.Combine(h, r));
}
