using System.Diagnostics.Metrics;
using Mesos.HA.Master.Agents;
using Mesos.HA.Master.Core;
using Mesos.HA.Master.Scheduler;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Replication;
using Microsoft.AspNetCore.Builder;
using Prometheus;

namespace Mesos.HA.Master.Operator;

/// <summary>
/// One master's metrics: System.Diagnostics.Metrics instruments on its own <see cref="Meter"/>
/// (<see cref="MeterName"/>), published at <c>/metrics</c> in Prometheus text format by prometheus-net from
/// a registry of this master's own (with prometheus-net's process and .NET runtime series), and the
/// Mesos-keyed JSON of <c>/metrics/snapshot</c> (see <c>MasterMetrics.Snapshot.cs</c>).
/// </summary>
/// <remarks>
/// A meter and a registry per master, not the static defaults: masters started in one test process must
/// not count into each other. Counters are observable where the count already lives elsewhere (the
/// registry's election counts); the latency histograms are fed by <see cref="LatencyWindow.Seconds"/>.
/// Observable callbacks run during a scrape, one scrape at a time, after the leader's core view was read.
/// </remarks>
public sealed partial class MasterMetrics : IDisposable
{
    public const string MeterName = "Mesos.HA.Master";

    /// <summary>Every Prometheus name starts with it.</summary>
    public const string Prefix = "mesos_ha_";

    private static readonly double[] AllocationBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
    private static readonly double[] RegistryWriteBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] FailoverBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];

    private readonly ReplicatedRegistry registry;
    private readonly LeaderShell shell;
    private readonly AgentHub agents;
    private readonly FrameworkHub frameworks;
    private readonly LeaderWatch leaders;
    private readonly TimeProvider time;
    private readonly DateTimeOffset startedAt;
    private readonly Meter meter = new(MeterName);
    private readonly CollectorRegistry prometheus = Prometheus.Metrics.NewCustomRegistry();
    private readonly PrometheusMeterBridge bridge;
    private readonly Histogram<double> failovers;
    private readonly FailoverClock failoverClock;
    private readonly Lock failoverLock = new();
    // The leader's core as read before the observable instruments of the current scrape (null: not leading).
    private CoreCounts? leaderCounts;

    public MasterMetrics(ReplicatedRegistry registry, LeaderShell shell, AgentHub agents,
        FrameworkHub frameworks, LeaderWatch leaders, TimeProvider time)
    {
        this.registry = registry;
        this.shell = shell;
        this.agents = agents;
        this.frameworks = frameworks;
        this.leaders = leaders;
        this.time = time;
        startedAt = time.GetUtcNow();
        failoverClock = new FailoverClock(time);
        // Process and .NET runtime series (CPU, memory, GC, threads): read at scrape time, cheap.
        DotNetStats.Register(prometheus);
        bridge = new PrometheusMeterBridge(meter, prometheus, Prefix, ReadLeaderViewAsync);
        CreateLevels();
        CreateCounters();
        shell.Metrics.AllocationRuns.Seconds = meter.CreateHistogram("allocator.allocation_run.duration", "s",
            "Duration of each periodic pass of the leader: checks, offer expiry and a DRF allocation cycle.",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = AllocationBuckets });
        shell.Metrics.RegistryWrites.Seconds = meter.CreateHistogram("registrar.state_store.duration", "s",
            "Duration of each registry write the leader made, from proposal to commit.",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = RegistryWriteBuckets });
        failovers = meter.CreateHistogram("master.failover.duration", "s",
            "Failovers as this master saw them, from losing the leader (noticing it: the election timeout before is not counted) "
            + "to knowing a new one (phase=election) and to this master leading, its first entry committed (phase=leading).",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = FailoverBuckets });
        registry.LeaderChanged += OnLeaderChanged;
        registry.BecameLeader += OnBecameLeader;
        registry.LostLeadership += OnLostLeadership;
    }

    /// <summary>Maps <c>/metrics</c> (Prometheus text, or OpenMetrics when asked for) and <c>/metrics/snapshot</c> (Mesos' JSON).</summary>
    public void Map(WebApplication app)
    {
        app.MapMetrics(settings => settings.Registry = prometheus, "/metrics");
        MapSnapshot(app);
    }

    private async Task ReadLeaderViewAsync(CancellationToken token) =>
        leaderCounts = await shell.ReadAsync(c => c.Counts(), token).ConfigureAwait(false);

    private void CreateLevels()
    {
        meter.CreateObservableGauge("master.elected", () => leaderCounts is null ? 0 : 1, "{bool}", "1 while this master leads, else 0.");
        meter.CreateObservableGauge("master.term", () => registry.Term, "{term}", "This master's Raft term.");
        meter.CreateObservableGauge("master.uptime", () => (time.GetUtcNow() - startedAt).TotalSeconds, "s", "Time since this master started.");
        meter.CreateObservableGauge("master.agents", AgentsByStatus, "{agent}", "Agents in this master's copy of the registry, by status.");
        meter.CreateObservableGauge("master.agents.connected", () => agents.Connected, "{agent}", "Agents connected to this master.");
        meter.CreateObservableGauge("master.frameworks.registered", () => registry.LocalRegistry.Frameworks.Count, "{framework}",
            "Frameworks in this master's copy of the registry.");
        meter.CreateObservableGauge("master.frameworks.connected", () => frameworks.Subscribed, "{framework}",
            "Frameworks subscribed to this master.");
        meter.CreateObservableGauge("registrar.applied_index", () => registry.AppliedIndex, "{entry}", "Index of the last Raft entry applied here.");
        meter.CreateObservableGauge("registrar.commit_index", () => registry.CommitIndex, "{entry}", "Index of the last Raft entry known committed here.");
        meter.CreateObservableGauge("master.tasks", TasksByState, "{task}", "Tasks the leader tracks, by state (recently completed ones included); the leader only.");
        meter.CreateObservableGauge("master.outstanding_offers", () => leaderCounts is { } counts ? [new Measurement<int>(counts.OutstandingOffers)] : Array.Empty<Measurement<int>>(),
            "{offer}", "Offers sent and not yet answered or rescinded; the leader only.");
    }

    private void CreateCounters()
    {
        meter.CreateObservableCounter("master.leader_changes", () => leaders.Changes, "{change}",
            "Changes of leader this master observed (a new leader's Raft endpoint).");
        meter.CreateObservableCounter("master.elections", ElectionsByCause, "{election}",
            "Leader terms this master saw begin, by cause: startup (the first it learned of), step_down (the leader was asked to), timeout (anything else).");
        meter.CreateObservableCounter("master.candidacies", () => registry.Elections.Candidacies, "{candidacy}",
            "Times this master stood as a candidate.");
        meter.CreateObservableCounter("master.raft.slow_heartbeat_rounds", () => registry.SlowHeartbeatRounds, "{round}",
            "Heartbeat rounds led here that took at least half the lower election timeout.");
        meter.CreateObservableCounter("master.raft.slow_log_flushes", () => registry.SlowLogFlushes, "{flush}",
            "Write-ahead-log flushes here that took at least half the lower election timeout.");
        meter.CreateObservableCounter("registrar.follower_flushed_appends", () => registry.FollowerFlushedAppends, "{append}",
            "Appends this master answered as a follower only after flushing their entries.");
        meter.CreateObservableCounter("registrar.state_reinstalls", () => registry.StateReinstalls, "{reinstall}",
            "Times this master threw its registry away because a leader contradicted an entry it had committed.");
    }

    private IEnumerable<Measurement<int>> AgentsByStatus()
    {
        var counts = new int[3];
        foreach (var agent in registry.LocalRegistry.Agents.Values)
        {
            switch (agent.Status)
            {
                case AgentStatus.Active: counts[0]++; break;
                case AgentStatus.Unreachable: counts[1]++; break;
                case AgentStatus.Gone: counts[2]++; break;
            }
        }
        return [Tagged(counts[0], "status", "active"), Tagged(counts[1], "status", "unreachable"), Tagged(counts[2], "status", "gone")];
    }

    private IEnumerable<Measurement<int>> TasksByState()
    {
        if (leaderCounts is not { } counts) return [];
        return [.. Enum.GetValues<TaskState>().Select(s => Tagged(counts.Tasks(s), "state", s.ToString().ToLowerInvariant()))];
    }

    private IEnumerable<Measurement<long>> ElectionsByCause()
    {
        var elections = registry.Elections;
        return
        [
            Tagged(elections.StartUp, "cause", "startup"), Tagged(elections.StepDown, "cause", "step_down"),
            Tagged(elections.Timeout, "cause", "timeout"),
        ];
    }

    private static Measurement<T> Tagged<T>(T value, string key, string tag) where T : struct =>
        new(value, new KeyValuePair<string, object?>(key, tag));

    private void OnLeaderChanged(LeaderChange change)
    {
        var now = time.GetTimestamp();
        TimeSpan? election;
        lock (failoverLock)
        {
            if (change.Leader is not { } leader)
            {
                failoverClock.LeaderLost(now);
                return;
            }
            election = failoverClock.LeaderKnown(change.Term, leader.IsLocal, now);
        }
        if (election is { } d) failovers.Record(d.TotalSeconds, new KeyValuePair<string, object?>("phase", "election"));
    }

    private void OnBecameLeader(LeadershipTerm term)
    {
        var now = time.GetTimestamp();
        TimeSpan? leading;
        lock (failoverLock) leading = failoverClock.BecameLeader(term.Term, now);
        if (leading is { } d) failovers.Record(d.TotalSeconds, new KeyValuePair<string, object?>("phase", "leading"));
    }

    private void OnLostLeadership(long term)
    {
        var now = time.GetTimestamp();
        lock (failoverLock) failoverClock.LeaderLost(now);
    }

    public void Dispose()
    {
        registry.LeaderChanged -= OnLeaderChanged;
        registry.BecameLeader -= OnBecameLeader;
        registry.LostLeadership -= OnLostLeadership;
        shell.Metrics.AllocationRuns.Seconds = null;
        shell.Metrics.RegistryWrites.Seconds = null;
        bridge.Dispose();
        meter.Dispose();
    }
}
