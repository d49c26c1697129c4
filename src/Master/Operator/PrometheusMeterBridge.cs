using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using Prometheus;

namespace Mesos.HA.Master.Operator;

/// <summary>
/// Publishes the instruments of one <see cref="Meter"/> instance into one prometheus-net
/// <see cref="CollectorRegistry"/>: <c>Counter</c> and <c>ObservableCounter</c> as Prometheus counters
/// (<c>_total</c>), <c>ObservableGauge</c>, <c>UpDownCounter</c> and <c>ObservableUpDownCounter</c> as gauges,
/// <c>Histogram</c> as a histogram with the buckets the instrument advises. The Prometheus name is the
/// prefix, the instrument's name with dots as underscores, and its unit (<c>s</c> becomes <c>_seconds</c>;
/// annotations such as <c>{election}</c> add nothing).
/// </summary>
/// <remarks>
/// Why not prometheus-net's own <c>MeterAdapter</c>: in 8.2.1 it types every .NET counter as a gauge (its
/// source says so, because a .NET counter may be re-created) and it forgets a series that did not change
/// for <c>MetricsExpireAfter</c> (five minutes by default), so a quiet counter or histogram vanishes from
/// a scrape. It can target a registry of its own (<c>MeterAdapterOptions.Registry</c> with
/// <c>MetricFactory = null</c>), but it filters by instrument, not by <see cref="Meter"/> instance.
/// This bridge listens to exactly one meter instance, so several masters in one process (each with its
/// own meter and registry) never see each other's measurements.
/// <para>
/// An observable counter is read as a running total that may restart from zero (a Raft member restarted
/// in place counts its appends afresh): a value below the last one is taken as a restart and added whole,
/// so the Prometheus counter never goes down. Series of observable instruments that were not reported in
/// the last collection (a follower knows no tasks) are unpublished until they are reported again.
/// </para>
/// Threading: synchronous instruments may record on any thread; observations run one collection at a time.
/// </remarks>
public sealed class PrometheusMeterBridge : IDisposable
{
    private readonly Meter meter;
    private readonly MetricFactory factory;
    private readonly string prefix;
    private readonly Func<CancellationToken, Task>? beforeObserve;
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<Family> families = new();
    private readonly SemaphoreSlim observing = new(1, 1);
    private long round;
    private volatile bool disposed;

    /// <param name="meter">The one meter instance whose instruments are published.</param>
    /// <param name="registry">Where they are published; it collects them (observable instruments included) on every scrape.</param>
    /// <param name="prefix">Prepended to every name, e.g. <c>mesos_ha_</c>.</param>
    /// <param name="beforeObserve">Runs before the observable instruments are read on each collection (to refresh what their callbacks read).</param>
    public PrometheusMeterBridge(Meter meter, CollectorRegistry registry, string prefix, Func<CancellationToken, Task>? beforeObserve = null)
    {
        this.meter = meter;
        this.prefix = prefix;
        this.beforeObserve = beforeObserve;
        // No exemplars: observable instruments are read inside the scrape's own request, whose trace
        // prometheus-net would otherwise attach to every counter in OpenMetrics output.
        factory = Prometheus.Metrics.WithCustomRegistry(registry);
        factory.ExemplarBehavior = ExemplarBehavior.NoExemplars();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (!ReferenceEquals(instrument.Meter, this.meter)) return;
            var family = new Family(this, instrument);
            families.Enqueue(family);
            l.EnableMeasurementEvents(instrument, family);
        };
        listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((Family)state!).Record(value, tags));
        listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((Family)state!).Record(value, tags));
        listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((Family)state!).Record(value, tags));
        listener.Start();
        registry.AddBeforeCollectCallback(ObserveAsync);
    }

    /// <summary>The Prometheus name of an instrument (without <paramref name="prefix"/>'s registry context).</summary>
    public static string NameOf(string prefix, string instrumentName, string? unit, bool counter)
    {
        var name = new StringBuilder(prefix);
        foreach (var c in instrumentName) name.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or ':' ? c : '_');
        var suffix = unit switch
        {
            "s" => "_seconds",
            "ms" => "_milliseconds",
            "By" => "_bytes",
            _ => "",
        };
        if (suffix.Length > 0 && !name.ToString().EndsWith(suffix, StringComparison.Ordinal)) name.Append(suffix);
        if (counter) name.Append("_total");
        return name.ToString();
    }

    private async Task ObserveAsync(CancellationToken token)
    {
        await observing.WaitAsync(token).ConfigureAwait(false);
        try
        {
            if (disposed) return;
            if (beforeObserve is not null) await beforeObserve(token).ConfigureAwait(false);
            var current = Interlocked.Increment(ref round);
            listener.RecordObservableInstruments();
            foreach (var family in families) family.UnpublishUnobserved(current);
        }
        finally
        {
            observing.Release();
        }
    }

    public void Dispose()
    {
        // The registry cannot drop its callback: it finds the bridge disposed and does nothing.
        disposed = true;
        listener.Dispose();
    }

    private enum Kind { Counter, ObservedCounter, UpDown, ObservedGauge, Histogram, Unsupported }

    /// <summary>One instrument's Prometheus family: its collector (made at the first measurement, which fixes the label names) and its series.</summary>
    private sealed class Family(PrometheusMeterBridge bridge, Instrument instrument)
    {
        private readonly Kind kind = KindOf(instrument);
        private readonly ConcurrentDictionary<string, Series> series = new(StringComparer.Ordinal);
        private readonly Lock creating = new();
        private Collector? collector;
        private string[]? labelNames;

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (kind == Kind.Unsupported || bridge.disposed) return;
            var sorted = tags.ToArray();
            Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.Key, b.Key));
            var names = sorted.Select(t => t.Key).ToArray();
            var values = sorted.Select(t => t.Value?.ToString() ?? "").ToArray();
            if (CollectorFor(names) is not { } family) return;
            var one = series.GetOrAdd(string.Join('\u001f', values), _ => new Series(Child(family, values)));
            switch (kind)
            {
                case Kind.Counter when value >= 0:
                    ((Counter.Child)one.Child).Inc(value);
                    break;
                case Kind.ObservedCounter:
                    lock (one)
                    {
                        var increase = value >= one.Last ? value - one.Last : value;
                        one.Last = value;
                        one.Round = Volatile.Read(ref bridge.round);
                        ((Counter.Child)one.Child).Inc(increase);
                    }
                    break;
                case Kind.UpDown:
                    ((Gauge.Child)one.Child).Inc(value);
                    break;
                case Kind.ObservedGauge:
                    lock (one)
                    {
                        one.Round = Volatile.Read(ref bridge.round);
                        ((Gauge.Child)one.Child).Set(value);
                    }
                    break;
                case Kind.Histogram:
                    ((Histogram.Child)one.Child).Observe(value);
                    break;
            }
        }

        public void UnpublishUnobserved(long current)
        {
            if (kind is not (Kind.ObservedCounter or Kind.ObservedGauge)) return;
            foreach (var one in series.Values)
                lock (one)
                    if (one.Round != current) one.Child.Unpublish();
        }

        /// <summary>The collector, made with the label names of the first measurement; null for a measurement with other tag keys (dropped: an instrument's measurements must all carry the same keys).</summary>
        private Collector? CollectorFor(string[] names)
        {
            lock (creating)
            {
                if (collector is null)
                {
                    labelNames = names;
                    var help = string.IsNullOrWhiteSpace(instrument.Description) ? instrument.Name : instrument.Description;
                    var name = NameOf(bridge.prefix, instrument.Name, instrument.Unit, kind is Kind.Counter or Kind.ObservedCounter);
                    collector = kind switch
                    {
                        Kind.Counter or Kind.ObservedCounter => bridge.factory.CreateCounter(name, help, names),
                        Kind.Histogram => bridge.factory.CreateHistogram(name, help, names,
                            new HistogramConfiguration { Buckets = BucketsOf(instrument) }),
                        _ => bridge.factory.CreateGauge(name, help, names),
                    };
                }
                return labelNames!.AsSpan().SequenceEqual(names) ? collector : null;
            }
        }

        private static ChildBase Child(Collector family, string[] values) => family switch
        {
            Counter c => c.WithLabels(values),
            Gauge g => g.WithLabels(values),
            Histogram h => h.WithLabels(values),
            _ => throw new InvalidOperationException($"no child for {family.GetType().Name}"),
        };

        private static double[]? BucketsOf(Instrument instrument) => instrument switch
        {
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray(),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            _ => null,
        };

        private static Kind KindOf(Instrument instrument) => instrument switch
        {
            Counter<int> or Counter<long> or Counter<double> => Kind.Counter,
            ObservableCounter<int> or ObservableCounter<long> or ObservableCounter<double> => Kind.ObservedCounter,
            UpDownCounter<int> or UpDownCounter<long> or UpDownCounter<double> => Kind.UpDown,
            ObservableGauge<int> or ObservableGauge<long> or ObservableGauge<double>
                or ObservableUpDownCounter<int> or ObservableUpDownCounter<long> or ObservableUpDownCounter<double> => Kind.ObservedGauge,
            Histogram<int> or Histogram<long> or Histogram<double> => Kind.Histogram,
            _ => Kind.Unsupported,
        };
    }

    /// <summary>One labelled series; <see cref="Last"/> and <see cref="Round"/> are for observable instruments (guarded by the series itself).</summary>
    private sealed class Series(ChildBase child)
    {
        public ChildBase Child { get; } = child;
        public double Last { get; set; }
        public long Round { get; set; }
    }
}
