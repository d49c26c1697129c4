using System.Net;
using System.Text.Json.Nodes;
using Mesos.HA.Protocol;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Cli.Tests;

/// <summary>State and metrics endpoints of real masters, with a running task; leader and follower answers.</summary>
public sealed class OperatorEndpointTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = ClusterHarness.Deadline;
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task RegistryWriteToAFollower_IsRedirected_SayingNothingWasWritten_TheLeaderWritesIt()
    {
        await using var cluster = new ClusterHarness(3, output);
        static HttpContent Body(string role) => new StringContent($$"""[{"role":"{{role}}","weight":3}]""", System.Text.Encoding.UTF8, "application/json");

        // A follower of the moment (a start-up election under load may move the leader: then try again with a fresh role).
        var attempt = 0;
        var role = "";
        Mesos.HA.Cli.Local.MasterProcess leader = null!;
        HttpResponseMessage? redirected = null;
        await Poll.UntilAsync("a follower answers a write with a redirect to the leader", async () =>
        {
            leader = await cluster.LeaderAsync();
            var follower = cluster.Group.Masters.First(m => m.Id != leader.Id);
            role = $"analytics{++attempt}";
            redirected?.Dispose();
            redirected = await Http.PutAsync($"http://{follower.HttpAddress}/master/weights", Body(role));
            return redirected.StatusCode == HttpStatusCode.TemporaryRedirect
                && redirected.Headers.Location?.OriginalString == $"//{leader.HttpAddress}/master/weights";
        }, Wait);
        Assert.Equal("true", Assert.Single(redirected!.Headers.GetValues(Mesos.HA.Master.MasterHost.NotWrittenHeader)));
        redirected.Dispose();
        var before = JsonNode.Parse(await Http.GetStringAsync($"http://{leader.HttpAddress}/master/weights"))!.AsArray();
        Assert.DoesNotContain(before, w => w!["role"]!.GetValue<string>() == role);

        using var written = await Http.PutAsync($"http://{leader.HttpAddress}/master/weights", Body(role));
        Assert.Equal(HttpStatusCode.OK, written.StatusCode);
        Assert.False(written.Headers.Contains(Mesos.HA.Master.MasterHost.NotWrittenHeader));
        var after = JsonNode.Parse(await Http.GetStringAsync($"http://{leader.HttpAddress}/master/weights"))!.AsArray();
        Assert.Contains(after, w => w!["role"]!.GetValue<string>() == role && w["weight"]!.GetValue<double>() == 3);
    }

    [Fact]
    public async Task State_Metrics_AndRedirect_OnTheLeaderAndAFollower()
    {
        await using var cluster = new ClusterHarness(3, output);
        var leader = await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        var framework = await cluster.StartFrameworkAsync();
        await framework.LaunchAsync("visible", "sleep 60", Wait);
        await framework.WaitForStateAsync("visible", "TASK_RUNNING", Wait, "launch");
        var follower = cluster.Group.Masters.First(m => m.Id != leader.Id);

        var state = JsonNode.Parse(await Http.GetStringAsync($"http://{leader.HttpAddress}/master/state"))!;
        Assert.Equal("leader", state["role"]!.GetValue<string>());
        Assert.Equal($"master@{leader.HttpAddress}", state["leader"]!.GetValue<string>());
        Assert.Equal(leader.HttpPort, state["leader_info"]!["port"]!.GetValue<int>());
        Assert.NotNull(state["elected_time"]);
        var slave = state["slaves"]!.AsArray().Single()!;
        Assert.Equal(4, slave["resources"]!["cpus"]!.GetValue<double>());
        Assert.Equal(0.1, slave["used_resources"]!["cpus"]!.GetValue<double>(), 3);
        var fw = state["frameworks"]!.AsArray().Single()!;
        Assert.Equal(framework.FrameworkId, fw["id"]!.GetValue<string>());
        var task = fw["tasks"]!.AsArray().Single()!;
        Assert.Equal(("visible", "TASK_RUNNING", slave["id"]!.GetValue<string>()),
            (task["id"]!.GetValue<string>(), task["state"]!.GetValue<string>(), task["slave_id"]!.GetValue<string>()));
        Assert.Equal(0, state["unreachable_slaves"]!.GetValue<int>());

        var followerState = JsonNode.Parse(await Http.GetStringAsync($"http://{follower.HttpAddress}/master/state"))!;
        Assert.Equal("follower", followerState["role"]!.GetValue<string>());
        Assert.Equal($"master@{leader.HttpAddress}", followerState["leader"]!.GetValue<string>());
        Assert.Null(followerState["elected_time"]);
        Assert.Single(followerState["slaves"]!.AsArray()); // from its copy of the registry
        Assert.Empty(followerState["frameworks"]![0]!["tasks"]!.AsArray()); // tasks live on the leader only

        var metrics = JsonNode.Parse(await Http.GetStringAsync($"http://{leader.HttpAddress}/metrics/snapshot"))!;
        Assert.Equal(1, metrics["master/elected"]!.GetValue<double>());
        Assert.Equal(1, metrics["master/slaves_active"]!.GetValue<double>());
        Assert.Equal(1, metrics["master/tasks_running"]!.GetValue<double>());
        Assert.Equal(1, metrics["master/frameworks_connected"]!.GetValue<double>());
        Assert.True(metrics["allocator/allocation_run_ms/count"]!.GetValue<double>() > 0);
        Assert.True(metrics["registrar/state_store_ms/count"]!.GetValue<double>() > 0);
        Assert.NotNull(metrics["registrar/state_store_ms/p99"]);
        Assert.NotNull(metrics["master/uptime_secs"]);
        Assert.NotNull(metrics["master/leader_changes"]);
        var followerMetrics = JsonNode.Parse(await Http.GetStringAsync($"http://{follower.HttpAddress}/metrics/snapshot"))!;
        Assert.Equal(0, followerMetrics["master/elected"]!.GetValue<double>());
        Assert.Null(followerMetrics["master/tasks_running"]);

        var prometheus = await Http.GetStringAsync($"http://{leader.HttpAddress}/metrics");
        Assert.Contains("# TYPE mesos_ha_master_elected gauge\nmesos_ha_master_elected 1\n", prometheus);
        Assert.Contains("mesos_ha_master_tasks{state=\"running\"} 1\n", prometheus); // strictly parsed in PrometheusEndpointTests

        var redirect = await Http.GetAsync($"http://{follower.HttpAddress}/master/redirect");
        Assert.Equal(HttpStatusCode.TemporaryRedirect, redirect.StatusCode);
        Assert.Equal($"//{leader.HttpAddress}", redirect.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"http://{follower.HttpAddress}/health")).StatusCode);
        Assert.NotNull(agent);
    }
}
