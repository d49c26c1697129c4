namespace Mesos.HA.Protocol;

/// <summary>
/// A set of measurements (durations, sizes), sorted once, with the statistics our benchmarks,
/// metrics and test reports print. Definitions, for all of them:
/// <list type="bullet">
/// <item><see cref="Min"/> and <see cref="Max"/>: the smallest and the largest sample.</item>
/// <item><see cref="Median"/>: the middle sample; for an even count, the mean of the two middle samples.</item>
/// <item><see cref="Percentile"/>(p), nearest rank: the smallest sample such that at least p % of the
/// samples are at most it, <c>sorted[ceil(p / 100 * n) - 1]</c>, clamped to the first sample (p = 0
/// is the minimum, p = 100 the maximum). It is always one of the samples, so for an even count
/// <c>Percentile(50)</c> is the lower middle sample and may differ from <see cref="Median"/>.</item>
/// </list>
/// The statistics of an empty set throw <see cref="InvalidOperationException"/>: callers decide what
/// "no samples" shows as.
/// </summary>
public sealed class Samples
{
    private readonly double[] sorted;

    private Samples(double[] sorted) => this.sorted = sorted;

    /// <summary>Copies and sorts <paramref name="values"/>; the caller's collection is left as it was.</summary>
    public static Samples Of(IEnumerable<double> values)
    {
        var copy = values.ToArray();
        Array.Sort(copy);
        return new Samples(copy);
    }

    public int Count => sorted.Length;

    public double Min => NotEmpty()[0];

    public double Max => NotEmpty()[^1];

    public double Median
    {
        get
        {
            var s = NotEmpty();
            var middle = s.Length / 2;
            return s.Length % 2 == 1 ? s[middle] : (s[middle - 1] + s[middle]) / 2;
        }
    }

    /// <summary>The nearest-rank percentile, <paramref name="percent"/> from 0 to 100 (see the type's summary).</summary>
    public double Percentile(double percent)
    {
        if (percent is < 0 or > 100 || double.IsNaN(percent))
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "a percentile is between 0 and 100");
        var s = NotEmpty();
        return s[Math.Clamp((int)Math.Ceiling(percent / 100 * s.Length) - 1, 0, s.Length - 1)];
    }

    private double[] NotEmpty() =>
        sorted.Length > 0 ? sorted : throw new InvalidOperationException("no samples: min, median, max and percentiles need at least one");
}
