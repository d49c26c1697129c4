using System.Diagnostics.Metrics;
using Mesos.HA.Master.Operator;
using Mesos.HA.Tests.Support;
using Prometheus;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>System.Diagnostics.Metrics instruments as prometheus-net publishes them through <see cref="PrometheusMeterBridge"/>, parsed strictly.</summary>
public sealed class PrometheusMeterBridgeTests
{
    private static async Task<IReadOnlyDictionary<string, PrometheusFamily>> ScrapeAsync(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return PrometheusText.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public async Task Instruments_AreTypedAsTheyAre_CountersTotal_GaugesGauge_HistogramsWithAdvisedBuckets()
    {
        using var meter = new Meter("Test.Bridge");
        var registry = Prometheus.Metrics.NewCustomRegistry();
        using var bridge = new PrometheusMeterBridge(meter, registry, "t_");
        var counter = meter.CreateCounter<long>("requests", "{request}", "Requests.");
        meter.CreateObservableCounter("elections", () => new[] { new Measurement<long>(3, new KeyValuePair<string, object?>("cause", "timeout")) }, "{election}", "Elections.");
        meter.CreateObservableGauge("term", () => 7L, "{term}", "Term.");
        meter.CreateObservableGauge("uptime", () => 1.5, "s", "Uptime.");
        var histogram = meter.CreateHistogram("run.duration", "s", "Runs.", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.1, 1] });
        counter.Add(2);
        counter.Add(3);
        histogram.Record(0.05);
        histogram.Record(0.5);
        histogram.Record(5);

        var families = await ScrapeAsync(registry);
        Assert.Equal(("counter", 5.0), (families["t_requests_total"].Type, families["t_requests_total"].Value()));
        Assert.Equal(("counter", 3.0), (families["t_elections_total"].Type, families["t_elections_total"].Value(("cause", "timeout"))));
        Assert.Equal(("gauge", 7.0), (families["t_term"].Type, families["t_term"].Value()));
        Assert.Equal(("gauge", 1.5), (families["t_uptime_seconds"].Type, families["t_uptime_seconds"].Value()));
        Assert.Equal("Requests.", families["t_requests_total"].Help);
        var runs = families["t_run_duration_seconds"];
        Assert.Equal("histogram", runs.Type);
        Assert.Equal(3, runs.Count());
        Assert.Equal(["0.01", "0.1", "1", "+Inf"], runs.Samples.Where(s => s.Name.EndsWith("_bucket")).Select(s => s.Labels["le"]));
        Assert.Equal([0.0, 1, 2, 3], runs.Samples.Where(s => s.Name.EndsWith("_bucket")).Select(s => s.Value));
    }

    [Fact]
    public async Task ObservableCounter_WhoseSourceRestartsFromZero_NeverGoesDown()
    {
        using var meter = new Meter("Test.Bridge");
        var registry = Prometheus.Metrics.NewCustomRegistry();
        using var bridge = new PrometheusMeterBridge(meter, registry, "t_");
        long source = 10;
        meter.CreateObservableCounter("appends", () => source, "{append}", "Appends.");

        Assert.Equal(10, (await ScrapeAsync(registry))["t_appends_total"].Value());
        source = 2; // the source restarted and counted two since
        Assert.Equal(12, (await ScrapeAsync(registry))["t_appends_total"].Value());
        source = 5;
        Assert.Equal(15, (await ScrapeAsync(registry))["t_appends_total"].Value());
    }

    [Fact]
    public async Task ObservableGauge_SeriesNotReported_AreLeftOutUntilReportedAgain()
    {
        using var meter = new Meter("Test.Bridge");
        var registry = Prometheus.Metrics.NewCustomRegistry();
        using var bridge = new PrometheusMeterBridge(meter, registry, "t_");
        var leading = true;
        meter.CreateObservableGauge("tasks", () => leading
            ? new[] { new Measurement<int>(4, new KeyValuePair<string, object?>("state", "running")) }
            : [], "{task}", "Tasks.");

        Assert.Equal(4, (await ScrapeAsync(registry))["t_tasks"].Value(("state", "running")));
        leading = false;
        Assert.Empty((await ScrapeAsync(registry)).GetValueOrDefault("t_tasks")?.Samples ?? []);
        leading = true;
        Assert.Equal(4, (await ScrapeAsync(registry))["t_tasks"].Value(("state", "running")));
    }

    [Fact]
    public async Task TwoMastersInOneProcess_MetersOfTheSameName_DoNotMix()
    {
        using var first = new Meter(MasterMetrics.MeterName);
        using var second = new Meter(MasterMetrics.MeterName);
        var firstRegistry = Prometheus.Metrics.NewCustomRegistry();
        var secondRegistry = Prometheus.Metrics.NewCustomRegistry();
        using var firstBridge = new PrometheusMeterBridge(first, firstRegistry, "t_");
        using var secondBridge = new PrometheusMeterBridge(second, secondRegistry, "t_");
        first.CreateCounter<int>("changes", "{change}", "Changes.").Add(1);
        second.CreateCounter<int>("changes", "{change}", "Changes.").Add(5);
        first.CreateObservableGauge("elected", () => 1, "{bool}", "Elected.");
        second.CreateObservableGauge("elected", () => 0, "{bool}", "Elected.");

        var a = await ScrapeAsync(firstRegistry);
        var b = await ScrapeAsync(secondRegistry);
        Assert.Equal((1.0, 1.0), (a["t_changes_total"].Value(), a["t_elected"].Value()));
        Assert.Equal((5.0, 0.0), (b["t_changes_total"].Value(), b["t_elected"].Value()));
    }

    [Fact]
    public async Task OpenMetricsOutput_ScrapedInsideATrace_CarriesNoExemplars()
    {
        using var meter = new Meter("Test.Bridge");
        var registry = Prometheus.Metrics.NewCustomRegistry();
        using var bridge = new PrometheusMeterBridge(meter, registry, "t_");
        meter.CreateObservableCounter("elections", () => 1L, "{election}", "Elections.");
        using var activity = new System.Diagnostics.Activity("scrape").SetIdFormat(System.Diagnostics.ActivityIdFormat.W3C).Start();

        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream, ExpositionFormat.OpenMetricsText);
        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        Assert.Contains("t_elections_total 1", text);
        Assert.DoesNotContain("trace_id", text);
    }

    [Theory]
    [InlineData("# TYPE x counter\nx 1\n# TYPE x counter\n", "second TYPE")]
    [InlineData("x 1\n", "no TYPE")]
    [InlineData("# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\nx{a=\"b\"} 2\n", "continues after another family")]
    [InlineData("# TYPE x counter\nx -1\n", "below zero")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "decrease")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n", "!= _count")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", "no +Inf")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n", "no _sum")]
    [InlineData("# TYPE x gauge\nx{a=\"b} 1\n", "unterminated")]
    [InlineData("# TYPE x gauge\nx 1", "line feed")]
    [InlineData("# TYPE x gauge\nx one\n", "bad value")]
    public void StrictParser_RejectsMalformedText(string text, string why) =>
        Assert.Contains(why, Assert.Throws<FormatException>(() => PrometheusText.Parse(text)).Message);
}
