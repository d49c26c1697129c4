using System.Diagnostics.Metrics;
using Mesos.HA.Protocol;

namespace Mesos.HA.Master;

/// <summary>Durations of the leader's recurring work, kept as a bounded window of recent samples.</summary>
public sealed class LeaderMetrics
{
    /// <summary>Each periodic pass: checks, offer expiry and a DRF allocation cycle.</summary>
    public LatencyWindow AllocationRuns { get; } = new();

    /// <summary>Each registry write the leader made, from proposal to commit.</summary>
    public LatencyWindow RegistryWrites { get; } = new();
}

/// <summary>The last <see cref="Capacity"/> durations and a running count; percentiles over the window.</summary>
public sealed class LatencyWindow
{
    public const int Capacity = 4096;
    private readonly double[] samples = new double[Capacity];
    private long count;

    public long Count => Interlocked.Read(ref count);

    /// <summary>Also receives every duration recorded, in seconds: the master's instrument for it (set once at start-up, before anything is recorded).</summary>
    public Histogram<double>? Seconds { get; set; }

    public void Record(TimeSpan duration)
    {
        Seconds?.Record(duration.TotalSeconds);
        lock (samples)
        {
            samples[count % Capacity] = duration.TotalMilliseconds;
            count++;
        }
    }

    /// <summary>The given nearest-rank percentiles (0-100, see <see cref="Samples.Percentile"/>) in milliseconds over the window; zeros when nothing was recorded.</summary>
    public double[] Percentiles(params double[] wanted)
    {
        double[] window;
        lock (samples) window = samples[..(int)Math.Min(count, Capacity)];
        if (window.Length == 0) return new double[wanted.Length];
        var sorted = Samples.Of(window);
        return [.. wanted.Select(sorted.Percentile)];
    }
}
