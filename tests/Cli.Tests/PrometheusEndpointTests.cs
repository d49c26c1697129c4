using Mesos.HA.Protocol;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Cli.Tests;

/// <summary><c>/metrics</c> of real masters, scraped over HTTP and parsed with a strict Prometheus text-format parser.</summary>
public sealed class PrometheusEndpointTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = ClusterHarness.Deadline;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static async Task<IReadOnlyDictionary<string, PrometheusFamily>> ScrapeAsync(string httpAddress)
    {
        using var response = await Http.GetAsync($"http://{httpAddress}/metrics");
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("0.0.4", response.Content.Headers.ContentType?.Parameters.Single(p => p.Name == "version").Value);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_ParseStrictly_TypedByKind_WithSaneValues_AndALeaderKillIsTimed()
    {
        await using var cluster = new ClusterHarness(3, output);
        var leader = await cluster.LeaderAsync();
        await cluster.StartAgentAsync();
        var framework = await cluster.StartFrameworkAsync();
        await framework.LaunchAsync("counted", "sleep 60", Wait);
        await framework.WaitForStateAsync("counted", "TASK_RUNNING", Wait, "launch");

        var families = await ScrapeAsync(leader.HttpAddress);
        // Every family of ours is typed by its kind: counters end in _total, histograms have buckets.
        var ours = families.Values.Where(f => f.Name.StartsWith("mesos_ha_", StringComparison.Ordinal)).ToList();
        Assert.All(ours, f => Assert.False(string.IsNullOrWhiteSpace(f.Help), $"{f.Name} has no HELP"));
        Assert.All(ours.Where(f => f.Type == "counter"), f => Assert.EndsWith("_total", f.Name));
        Assert.All(ours.Where(f => f.Name.EndsWith("_total", StringComparison.Ordinal)), f => Assert.Equal("counter", f.Type));
        foreach (var counter in new[] { "master_leader_changes", "master_elections", "master_candidacies", "master_raft_slow_heartbeat_rounds",
                     "master_raft_slow_log_flushes", "registrar_follower_flushed_appends", "registrar_state_reinstalls" })
            Assert.Equal("counter", families[$"mesos_ha_{counter}_total"].Type);
        foreach (var gauge in new[] { "master_elected", "master_term", "master_uptime_seconds", "master_agents", "master_agents_connected",
                     "master_frameworks_registered", "master_frameworks_connected", "registrar_applied_index", "registrar_commit_index",
                     "master_tasks", "master_outstanding_offers" })
            Assert.Equal("gauge", families[$"mesos_ha_{gauge}"].Type);
        foreach (var histogram in new[] { "allocator_allocation_run_duration_seconds", "registrar_state_store_duration_seconds" })
        {
            Assert.Equal("histogram", families[$"mesos_ha_{histogram}"].Type);
            Assert.True(families[$"mesos_ha_{histogram}"].Count() > 0, $"{histogram}: nothing recorded");
        }
        Assert.Equal("counter", families["process_cpu_seconds_total"].Type); // prometheus-net's process series are kept

        Assert.Equal(1, families["mesos_ha_master_elected"].Value());
        Assert.True(families["mesos_ha_master_term"].Value() >= 1);
        Assert.True(families["mesos_ha_master_uptime_seconds"].Value() > 0);
        Assert.Equal(1, families["mesos_ha_master_agents"].Value(("status", "active")));
        Assert.Equal(0, families["mesos_ha_master_agents"].Value(("status", "gone")));
        Assert.Equal(1, families["mesos_ha_master_agents_connected"].Value());
        Assert.Equal(1, families["mesos_ha_master_frameworks_connected"].Value());
        Assert.Equal(1, families["mesos_ha_master_tasks"].Value(("state", "running")));
        Assert.True(families["mesos_ha_registrar_commit_index"].Value() >= families["mesos_ha_registrar_applied_index"].Value());
        Assert.True(families["mesos_ha_master_elections_total"].Samples.Sum(s => s.Value) >= 1);

        var follower = cluster.Group.Masters.First(m => m.Id != leader.Id);
        var followerFamilies = await ScrapeAsync(follower.HttpAddress);
        Assert.Equal(0, followerFamilies["mesos_ha_master_elected"].Value());
        Assert.Empty(followerFamilies.GetValueOrDefault("mesos_ha_master_tasks")?.Samples ?? []); // tasks live on the leader only
        Assert.Equal(1, followerFamilies["mesos_ha_master_agents"].Value(("status", "active"))); // from its copy of the registry

        // Kill the leader: the new leader times the failover, from noticing the loss to leading.
        var term = families["mesos_ha_master_term"].Value();
        leader.Kill();
        await cluster.Group.WaitForLeaderOtherThanAsync(leader, Wait);
        // Whichever master leads by the time it is asked (under load a second election may move it on).
        IReadOnlyDictionary<string, PrometheusFamily> after = null!;
        var seen = "";
        await Poll.UntilAsync("a new leader serves and has timed its failover", async () =>
        {
            var views = new List<string>();
            foreach (var master in cluster.Group.Masters.Where(m => m.Id != leader.Id))
            {
                var scraped = await ScrapeAsync(master.HttpAddress);
                var timed = scraped.GetValueOrDefault("mesos_ha_master_failover_duration_seconds")?.Samples
                    .Where(s => s.Name.EndsWith("_count", StringComparison.Ordinal)).ToList() ?? [];
                views.Add($"master {master.Id}: elected {scraped["mesos_ha_master_elected"].Value()}, failover counts "
                    + string.Join(", ", timed.Select(s => $"{s.Labels["phase"]}={s.Value}")));
                seen = string.Join("; ", views);
                if (scraped["mesos_ha_master_elected"].Value() != 1 || !timed.Any(s => s.Has(("phase", "leading")))) continue;
                after = scraped;
                return true;
            }
            return false;
        }, Wait, () => seen);
        var failover = after["mesos_ha_master_failover_duration_seconds"];
        Assert.Equal("histogram", failover.Type);
        // At least this failover (a start-up election that went wrong before would add its own).
        Assert.True(failover.Count(("phase", "leading")) >= 1);
        Assert.True(failover.Count(("phase", "election")) >= 1);
        var leading = failover.Samples.Single(s => s.Name.EndsWith("_sum") && s.Has(("phase", "leading"))).Value;
        Assert.InRange(leading, 0.001, Wait.TotalSeconds);
        Assert.True(after["mesos_ha_master_term"].Value() > term);
        Assert.True(after["mesos_ha_master_leader_changes_total"].Value() >= 1);
        output.WriteLine($"failover as the new leader saw it: {leading * 1000:F0} ms to leading");
    }
}
