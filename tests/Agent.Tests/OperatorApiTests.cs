using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Http;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Agent.Tests;

/// <summary>
/// The master's v1 operator API (<c>POST /api/v1</c>) over real HTTP against master, agent and framework
/// processes: every read in Mesos' shape, the writes through the registry, bad input refused with the
/// right status and nothing changed, followers redirecting, and the event stream across a leader kill.
/// </summary>
public sealed class OperatorApiTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = Wait };

    private static async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> CallAsync(string master, string json,
        string contentType = "application/json")
    {
        using var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        var response = await Http.PostAsync($"http://{master}/api/v1", content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    /// <summary>A read's answer, checked to be 200 and of its type; returns the object under the answer's field.</summary>
    private static async Task<JsonElement> ReadAsync(string master, string type)
    {
        var (status, body, _) = await CallAsync(master, $$"""{"type":"{{type}}"}""");
        Assert.True(status == HttpStatusCode.OK, $"{type}: {(int)status} {body}");
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal(type, root.GetProperty("type").GetString());
        return root.GetProperty(type.ToLowerInvariant()).Clone();
    }

    private static string[] Values(JsonElement list, Func<JsonElement, string?> pick) => [.. list.EnumerateArray().Select(pick).OfType<string>()];

    [Fact]
    public async Task EveryRead_AnswersInMesosShape_WithWhatTheLeaderHolds()
    {
        await using var cluster = new ClusterHarness(1, output, "--agent-ping-timeout-ms", "2000", "--max-agent-ping-timeouts", "7");
        var leader = await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        await using var framework = await cluster.StartFrameworkAsync();
        await framework.LaunchAsync("op-task", "sleep 60", Wait);
        await framework.WaitForStateAsync("op-task", "TASK_RUNNING", Wait, "the task runs");
        var m = leader.HttpAddress;

        Assert.True((await ReadAsync(m, "GET_HEALTH")).GetProperty("healthy").GetBoolean());
        Assert.StartsWith("mesos-ha", (await ReadAsync(m, "GET_VERSION")).GetProperty("version_info").GetProperty("version").GetString());
        var flags = (await ReadAsync(m, "GET_FLAGS")).GetProperty("flags");
        Assert.Contains("allocation_interval", Values(flags, f => f.GetProperty("name").GetString()));
        string Flag(string name) => flags.EnumerateArray().Single(f => f.GetProperty("name").GetString() == name).GetProperty("value").GetString()!;
        Assert.Equal(("2secs", "7"), (Flag("agent_ping_timeout"), Flag("max_agent_ping_timeouts"))); // as given on the command line
        var metrics = (await ReadAsync(m, "GET_METRICS")).GetProperty("metrics");
        Assert.Equal(1, metrics.EnumerateArray().Single(x => x.GetProperty("name").GetString() == "master/elected").GetProperty("value").GetDouble());
        var master = await ReadAsync(m, "GET_MASTER");
        Assert.Equal(leader.HttpAddress.Split(':')[1], master.GetProperty("master_info").GetProperty("port").GetInt32().ToString());
        Assert.True(master.GetProperty("elected_time").GetDouble() > 0);

        var agents = (await ReadAsync(m, "GET_AGENTS")).GetProperty("agents");
        var one = Assert.Single(agents.EnumerateArray());
        Assert.True(one.GetProperty("active").GetBoolean());
        var agentId = one.GetProperty("agent_info").GetProperty("id").GetProperty("value").GetString()!;
        Assert.Contains("cpus", Values(one.GetProperty("total_resources"), r => r.GetProperty("name").GetString()));
        Assert.Equal(0.1, one.GetProperty("allocated_resources").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "cpus")
            .GetProperty("scalar").GetProperty("value").GetDouble(), 3);

        var frameworks = (await ReadAsync(m, "GET_FRAMEWORKS")).GetProperty("frameworks");
        var fw = Assert.Single(frameworks.EnumerateArray());
        Assert.Equal("test-framework", fw.GetProperty("framework_info").GetProperty("name").GetString());
        Assert.True(fw.GetProperty("connected").GetBoolean());

        var tasks = await ReadAsync(m, "GET_TASKS");
        var task = Assert.Single(tasks.GetProperty("tasks").EnumerateArray());
        Assert.Equal(("op-task", "TASK_RUNNING", agentId), (task.GetProperty("task_id").GetProperty("value").GetString(), task.GetProperty("state").GetString(),
            task.GetProperty("agent_id").GetProperty("value").GetString()));
        Assert.Equal("op-task", task.GetProperty("name").GetString());
        Assert.Empty(tasks.GetProperty("completed_tasks").EnumerateArray());
        Assert.Empty((await ReadAsync(m, "GET_EXECUTORS")).GetProperty("executors").EnumerateArray()); // command tasks: no custom executor

        var roles = (await ReadAsync(m, "GET_ROLES")).GetProperty("roles");
        var star = roles.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "*");
        Assert.Equal(1.0, star.GetProperty("weight").GetDouble());
        Assert.Single(star.GetProperty("frameworks").EnumerateArray());

        var state = await ReadAsync(m, "GET_STATE");
        Assert.Equal(["get_agents", "get_executors", "get_frameworks", "get_tasks"], state.EnumerateObject().Select(p => p.Name).Order());
        Assert.Single(state.GetProperty("get_tasks").GetProperty("tasks").EnumerateArray());
        Assert.Empty((await ReadAsync(m, "GET_WEIGHTS")).GetProperty("weight_infos").EnumerateArray());
        Assert.Empty((await ReadAsync(m, "GET_QUOTA")).GetProperty("status").GetProperty("configs").EnumerateArray());
        GC.KeepAlive(agent);
    }

    [Fact]
    public async Task Writes_GoThroughTheRegistry_AndARefusedWriteChangesNothing()
    {
        await using var cluster = new ClusterHarness(1, output);
        var leader = await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        await using var framework = await cluster.StartFrameworkAsync();
        await framework.LaunchAsync("doomed", "sleep 60", Wait);
        await framework.WaitForStateAsync("doomed", "TASK_RUNNING", Wait, "the task runs");
        var m = leader.HttpAddress;

        Assert.Equal(HttpStatusCode.OK, (await CallAsync(m,
            """{"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[{"role":"analytics","weight":2.5}]}}""")).Status);
        var weight = Assert.Single((await ReadAsync(m, "GET_WEIGHTS")).GetProperty("weight_infos").EnumerateArray());
        Assert.Equal(("analytics", 2.5), (weight.GetProperty("role").GetString(), weight.GetProperty("weight").GetDouble()));

        Assert.Equal(HttpStatusCode.OK, (await CallAsync(m,
            """{"type":"UPDATE_QUOTA","update_quota":{"quota_configs":[{"role":"analytics","guarantees":{"cpus":{"value":1}},"limits":{"cpus":{"value":2},"mem":{"value":512}}}]}}""")).Status);
        var config = Assert.Single((await ReadAsync(m, "GET_QUOTA")).GetProperty("status").GetProperty("configs").EnumerateArray());
        Assert.Equal(2, config.GetProperty("limits").GetProperty("cpus").GetProperty("value").GetDouble());
        Assert.Equal(1, config.GetProperty("guarantees").GetProperty("cpus").GetProperty("value").GetDouble());

        // One bad config refuses the whole call: the good one before it is not written either.
        var bad = await CallAsync(m,
            """{"type":"UPDATE_QUOTA","update_quota":{"quota_configs":[{"role":"web","limits":{"cpus":{"value":3}}},{"role":"batch","guarantees":{"cpus":{"value":-1}}}]}}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        output.WriteLine("refused quota: " + bad.Body);
        Assert.Equal(["analytics"], Values((await ReadAsync(m, "GET_QUOTA")).GetProperty("status").GetProperty("configs"), c => c.GetProperty("role").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, (await CallAsync(m,
            """{"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[{"role":"analytics","weight":-3}]}}""")).Status);
        Assert.Equal(2.5, Assert.Single((await ReadAsync(m, "GET_WEIGHTS")).GetProperty("weight_infos").EnumerateArray()).GetProperty("weight").GetDouble());

        // An unknown agent is 404; a known one is gone for good: its task is TASK_GONE and it is no longer listed.
        Assert.Equal(HttpStatusCode.NotFound, (await CallAsync(m, """{"type":"MARK_AGENT_GONE","mark_agent_gone":{"agent_id":{"value":"nobody"}}}""")).Status);
        var agentId = (await agent.TryHealthAsync())!.Id!;
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(m, "{\"type\":\"MARK_AGENT_GONE\",\"mark_agent_gone\":{\"agent_id\":{\"value\":\"" + agentId + "\"}}}")).Status);
        await framework.WaitForStateAsync("doomed", "TASK_GONE", Wait, "the gone agent's task");
        Assert.Empty((await ReadAsync(m, "GET_AGENTS")).GetProperty("agents").EnumerateArray());
        Assert.Equal("TASK_GONE", Assert.Single((await ReadAsync(m, "GET_TASKS")).GetProperty("completed_tasks").EnumerateArray()).GetProperty("state").GetString());
    }

    [Fact]
    public async Task BadCalls_AreRefusedWithTheRightStatus_AndMessagePackIsServed()
    {
        await using var cluster = new ClusterHarness(1, output);
        var m = (await cluster.LeaderAsync()).HttpAddress;

        using (var get = await Http.GetAsync($"http://{m}/api/v1")) Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await CallAsync(m, """{"type":"GET_HEALTH"}""", "text/plain")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await CallAsync(m, """{"type":""")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await CallAsync(m, "[1,2]")).Status);
        var unknown = await CallAsync(m, """{"type":"GET_EVERYTHING"}""");
        Assert.Equal((HttpStatusCode.BadRequest, "unknown call type 'GET_EVERYTHING'"), (unknown.Status, unknown.Body));
        Assert.Equal(HttpStatusCode.BadRequest, (await CallAsync(m, """{"type":"UPDATE_WEIGHTS"}""")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await CallAsync(m, """{"type":"MARK_AGENT_GONE","mark_agent_gone":{}}""")).Status);
        Assert.Equal(HttpStatusCode.NotImplemented, (await CallAsync(m, """{"type":"RESERVE_RESOURCES","reserve_resources":{}}""")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await CallAsync(m, "\u0093\u00c1", "application/x-msgpack")).Status);

        // The same call as MessagePack, answered in MessagePack.
        using var content = new ByteArrayContent(MessagePack.MessagePackSerializer.ConvertFromJson("""{"type":"GET_HEALTH"}"""));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-msgpack");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{m}/api/v1") { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/x-msgpack"));
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = MessagePack.MessagePackSerializer.ConvertToJson(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("""{"type":"GET_HEALTH","get_health":{"healthy":true}}""", answer);
        Assert.Empty((await ReadAsync(m, "GET_WEIGHTS")).GetProperty("weight_infos").EnumerateArray()); // nothing was written

        // A write in MessagePack too, read back in MessagePack.
        using var write = new ByteArrayContent(MessagePack.MessagePackSerializer.ConvertFromJson(
            """{"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[{"role":"packed","weight":4}]}}"""));
        write.Headers.ContentType = new MediaTypeHeaderValue("application/x-msgpack");
        using (var written = await Http.PostAsync($"http://{m}/api/v1", write)) Assert.Equal(HttpStatusCode.OK, written.StatusCode);
        using var read = new ByteArrayContent(MessagePack.MessagePackSerializer.ConvertFromJson("""{"type":"GET_WEIGHTS"}"""));
        read.Headers.ContentType = new MediaTypeHeaderValue("application/x-msgpack");
        using var readRequest = new HttpRequestMessage(HttpMethod.Post, $"http://{m}/api/v1") { Content = read };
        readRequest.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/x-msgpack"));
        using var weights = await Http.SendAsync(readRequest);
        Assert.Equal("application/x-msgpack", weights.Content.Headers.ContentType?.MediaType);
        var info = Assert.Single(JsonDocument.Parse(MessagePack.MessagePackSerializer.ConvertToJson(await weights.Content.ReadAsByteArrayAsync()))
            .RootElement.GetProperty("get_weights").GetProperty("weight_infos").EnumerateArray());
        Assert.Equal(("packed", 4.0), (info.GetProperty("role").GetString(), info.GetProperty("weight").GetDouble()));
    }

    [Fact]
    public async Task TheStream_ReportsTasksAgentsAndFrameworks_AndAfterALeaderKillResubscribingGivesTheSameTasks()
    {
        await using var cluster = new ClusterHarness(3, output);
        var leader = await cluster.LeaderAsync();
        var follower = cluster.Group.Masters.First(x => x.HttpAddress != leader.HttpAddress);
        var redirected = await CallAsync(follower.HttpAddress, """{"type":"GET_HEALTH"}""");
        Assert.Equal(HttpStatusCode.TemporaryRedirect, redirected.Status);
        Assert.Equal($"//{leader.HttpAddress}/api/v1", redirected.Response.Headers.Location!.OriginalString);

        var stream = await SubscribeAsync(leader.HttpAddress);
        var subscribed = await stream.NextAsync("SUBSCRIBED");
        Assert.Empty(subscribed.GetProperty("subscribed").GetProperty("get_state").GetProperty("get_agents").GetProperty("agents").EnumerateArray());

        var agent = await cluster.StartAgentAsync();
        var added = await stream.NextAsync("AGENT_ADDED");
        var agentId = (await agent.TryHealthAsync())!.Id!;
        Assert.Equal(agentId, added.GetProperty("agent_added").GetProperty("agent").GetProperty("agent_info").GetProperty("id").GetProperty("value").GetString());
        await using var framework = await cluster.StartFrameworkAsync();
        Assert.Equal("test-framework", (await stream.NextAsync("FRAMEWORK_ADDED")).GetProperty("framework_added").GetProperty("framework")
            .GetProperty("framework_info").GetProperty("name").GetString());
        await framework.LaunchAsync("streamed", "sleep 60", Wait);
        var taskAdded = (await stream.NextAsync("TASK_ADDED")).GetProperty("task_added").GetProperty("task");
        Assert.Equal(("streamed", "TASK_STAGING"), (taskAdded.GetProperty("task_id").GetProperty("value").GetString(), taskAdded.GetProperty("state").GetString()));
        var running = await stream.NextAsync("TASK_UPDATED", e => e.GetProperty("task_updated").GetProperty("state").GetString() == "TASK_RUNNING");
        Assert.Equal("streamed", running.GetProperty("task_updated").GetProperty("status").GetProperty("task_id").GetProperty("value").GetString());

        // The leader dies: its stream ends; subscribing again (through any master) gives the new leader's state, with the same task.
        leader.Kill();
        await stream.EndAsync();
        stream.Dispose();
        var next = await cluster.LeaderAsync();
        Assert.NotEqual(leader.HttpAddress, next.HttpAddress);
        await Poll.UntilAsync("the new leader holds the task again (the agent re-registered)", async () =>
        {
            var tasks = (await ReadAsync(next.HttpAddress, "GET_TASKS")).GetProperty("tasks");
            return Values(tasks, t => t.GetProperty("task_id").GetProperty("value").GetString()).Contains("streamed");
        }, Wait);
        using var again = await SubscribeAsync(next.HttpAddress);
        var state = (await again.NextAsync("SUBSCRIBED")).GetProperty("subscribed").GetProperty("get_state");
        var task = Assert.Single(state.GetProperty("get_tasks").GetProperty("tasks").EnumerateArray());
        Assert.Equal(("streamed", "TASK_RUNNING"), (task.GetProperty("task_id").GetProperty("value").GetString(), task.GetProperty("state").GetString()));

        // Events keep flowing on the new stream: the task's end (killed once the framework follows the new leader).
        await Poll.UntilAsync("the framework subscribes to the new leader", () => framework.Master == next.HttpAddress, Wait,
            () => $"framework on {framework.Master}, leader {next.HttpAddress}");
        await framework.KillAsync("streamed");
        await again.NextAsync("TASK_UPDATED", e => e.GetProperty("task_updated").GetProperty("state").GetString() == "TASK_KILLED");
    }

    [Fact]
    public async Task DrainAgent_KillsItsTasksWithTheGraceCapped_ThenDrained_OffersNothing_UntilReactivated()
    {
        await using var cluster = new ClusterHarness(1, output);
        var m = (await cluster.LeaderAsync()).HttpAddress;
        // The agent's own grace is ten minutes: only the drain's cap (1 s) lets a task that ignores SIGTERM end within the test.
        var drained = await cluster.StartAgentAsync("cpus:2;mem:512", "--kill-grace-ms", "600000");
        var agentId = (await drained.TryHealthAsync())!.Id!;
        await using var framework = await cluster.StartFrameworkAsync();
        await framework.LaunchAsync("stubborn", "trap '' TERM; while true; do sleep 1; done", Wait);
        await framework.WaitForStateAsync("stubborn", "TASK_RUNNING", Wait, "the task runs");

        Assert.Equal(HttpStatusCode.NotFound, (await CallAsync(m, """{"type":"DRAIN_AGENT","drain_agent":{"agent_id":{"value":"nobody"}}}""")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await CallAsync(m,
            """{"type":"DRAIN_AGENT","drain_agent":{"agent_id":{"value":"x"},"max_grace_period":{"nanoseconds":-5}}}""")).Status);
        var drain = "{\"type\":\"DRAIN_AGENT\",\"drain_agent\":{\"agent_id\":{\"value\":\"" + agentId
                    + "\"},\"max_grace_period\":{\"nanoseconds\":1000000000}}}";
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(m, drain)).Status);
        var killed = await framework.WaitForStatusAsync("stubborn", s => s.State is "TASK_KILLED" or "TASK_FAILED", "the drained task's end", Wait,
            "the drain kills the task within its capped grace");
        output.WriteLine("drained task: " + TestFramework.Describe(killed));
        Assert.DoesNotContain(framework.Offers(), o => o.AgentId!.Value == agentId); // its offers were rescinded

        JsonElement Agent(JsonElement agents) => agents.GetProperty("agents").EnumerateArray()
            .Single(a => a.GetProperty("agent_info").GetProperty("id").GetProperty("value").GetString() == agentId);
        await Poll.UntilAsync("the agent is DRAINED once its task's end is acknowledged", async () =>
        {
            var agent = Agent(await ReadAsync(m, "GET_AGENTS"));
            return agent.TryGetProperty("drain_info", out var info) && info.GetProperty("state").GetString() == "DRAINED";
        }, Wait);
        var state = Agent(await ReadAsync(m, "GET_AGENTS"));
        Assert.True(state.GetProperty("deactivated").GetBoolean());
        Assert.False(state.GetProperty("active").GetBoolean());
        Assert.Equal(1_000_000_000, state.GetProperty("drain_info").GetProperty("config").GetProperty("max_grace_period").GetProperty("nanoseconds").GetInt64());

        // An allocation after the drain offers the new agent and not the drained one.
        var other = await cluster.StartAgentAsync("cpus:1;mem:256");
        var otherId = (await other.TryHealthAsync())!.Id!;
        await Poll.UntilAsync("the framework is offered the other agent", () => framework.Offers().Any(o => o.AgentId!.Value == otherId), Wait);
        Assert.DoesNotContain(framework.Offers(), o => o.AgentId!.Value == agentId);

        // Reactivated: offered again, neither deactivated nor draining.
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(m, "{\"type\":\"REACTIVATE_AGENT\",\"reactivate_agent\":{\"agent_id\":{\"value\":\"" + agentId + "\"}}}")).Status);
        await Poll.UntilAsync("the reactivated agent is offered again", () => framework.Offers().Any(o => o.AgentId!.Value == agentId), Wait);
        state = Agent(await ReadAsync(m, "GET_AGENTS"));
        Assert.False(state.GetProperty("deactivated").GetBoolean());
        Assert.False(state.TryGetProperty("drain_info", out _));
    }

    [Fact]
    public async Task ADrainGoesOn_AfterTheLeaderThatStartedItIsKilled()
    {
        await using var cluster = new ClusterHarness(3, output);
        await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync("cpus:2;mem:512", "--kill-grace-ms", "600000");
        var agentId = (await agent.TryHealthAsync())!.Id!;
        await using var framework = await cluster.StartFrameworkAsync();
        await framework.LaunchAsync("stubborn", "trap '' TERM; while true; do sleep 1; done", Wait);
        await framework.WaitForStateAsync("stubborn", "TASK_RUNNING", Wait, "the task runs");

        // A 5 s cap: the leader is killed long before the task ends, so its end reaches, and is acknowledged through, the next leader.
        var drain = "{\"type\":\"DRAIN_AGENT\",\"drain_agent\":{\"agent_id\":{\"value\":\"" + agentId
                    + "\"},\"max_grace_period\":{\"nanoseconds\":5000000000},\"mark_gone\":false}}";
        // Through whoever leads when it is sent: on a loaded machine the first leader may have lost its term since (a 307 or a 503).
        var seen = "";
        var leader = await Poll.ForAsync("a leader starts the drain", async () =>
        {
            var now = await cluster.LeaderAsync();
            try
            {
                var (status, body, _) = await CallAsync(now.HttpAddress, drain);
                seen = $"m{now.Id}: {(int)status} {body}";
                return status == HttpStatusCode.OK ? now : null;
            }
            catch (Exception e) when (NoAnswer.Is(e))
            {
                seen = $"m{now.Id}: {e.Message}";
                return null; // it went away between being found and being asked
            }
        }, Wait, () => seen);
        leader.Kill();
        var next = await cluster.LeaderAsync();
        Assert.NotEqual(leader.HttpAddress, next.HttpAddress);

        await framework.WaitForStatusAsync("stubborn", s => s.State is "TASK_KILLED" or "TASK_FAILED", "the drained task's end", Wait,
            "the drain's kill ends the task after the failover");
        await Poll.UntilAsync("the new leader marks the agent DRAINED", async () =>
        {
            var agents = (await ReadAsync(next.HttpAddress, "GET_AGENTS")).GetProperty("agents").EnumerateArray()
                .Where(a => a.GetProperty("agent_info").GetProperty("id").GetProperty("value").GetString() == agentId).ToArray();
            return agents is [var a] && a.TryGetProperty("drain_info", out var info) && info.GetProperty("state").GetString() == "DRAINED";
        }, Wait);
        // And it keeps the agent out of offers: a second agent is offered, the drained one is not.
        var other = await cluster.StartAgentAsync("cpus:1;mem:256");
        var otherId = (await other.TryHealthAsync())!.Id!;
        await Poll.UntilAsync("the framework is offered the other agent", () => framework.Offers().Any(o => o.AgentId!.Value == otherId), Wait);
        Assert.DoesNotContain(framework.Offers(), o => o.AgentId!.Value == agentId);
    }

    [Fact]
    public async Task DeactivateAgent_KeepsItsTasks_AndItsResourcesOutOfOffers()
    {
        await using var cluster = new ClusterHarness(1, output);
        var m = (await cluster.LeaderAsync()).HttpAddress;
        var agent = await cluster.StartAgentAsync("cpus:2;mem:512");
        var agentId = (await agent.TryHealthAsync())!.Id!;
        await using var framework = await cluster.StartFrameworkAsync();
        await framework.LaunchAsync("keeps", "sleep 60", Wait);
        await framework.WaitForStateAsync("keeps", "TASK_RUNNING", Wait, "the task runs");
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(m, "{\"type\":\"DEACTIVATE_AGENT\",\"deactivate_agent\":{\"agent_id\":{\"value\":\"" + agentId + "\"}}}")).Status);
        await Poll.UntilAsync("the deactivated agent's offers are rescinded", () => !framework.Offers().Any(o => o.AgentId!.Value == agentId), Wait);
        var other = await cluster.StartAgentAsync("cpus:1;mem:256");
        var otherId = (await other.TryHealthAsync())!.Id!;
        await Poll.UntilAsync("the framework is offered the other agent", () => framework.Offers().Any(o => o.AgentId!.Value == otherId), Wait);
        Assert.DoesNotContain(framework.Offers(), o => o.AgentId!.Value == agentId);
        Assert.Equal("TASK_RUNNING", framework.States("keeps")[^1]); // the task was left alone
        var listed = (await ReadAsync(m, "GET_AGENTS")).GetProperty("agents").EnumerateArray()
            .Single(a => a.GetProperty("agent_info").GetProperty("id").GetProperty("value").GetString() == agentId);
        Assert.True(listed.GetProperty("deactivated").GetBoolean());
        Assert.False(listed.TryGetProperty("drain_info", out _));
    }

    [Fact]
    public async Task Maintenance_ScheduleAndStatusInMesosShape_RefusalsChangeNothing_AndFollowersRedirect()
    {
        await using var cluster = new ClusterHarness(3, output);
        var leader = await cluster.LeaderAsync();
        var m = leader.HttpAddress;
        Assert.Empty((await ReadAsync(m, "GET_MAINTENANCE_SCHEDULE")).GetProperty("schedule").GetProperty("windows").EnumerateArray());
        var empty = (await ReadAsync(m, "GET_MAINTENANCE_STATUS")).GetProperty("status");
        Assert.Empty(empty.GetProperty("draining_machines").EnumerateArray());
        Assert.Empty(empty.GetProperty("down_machines").EnumerateArray());

        // Two windows: a hostname and an address together, then one machine by both; read back as given (hostnames in lower case).
        const string schedule = """
            {"type":"UPDATE_MAINTENANCE_SCHEDULE","update_maintenance_schedule":{"schedule":{"windows":[
              {"machine_ids":[{"hostname":"Zeta.Example"},{"ip":"10.1.2.3"}],
               "unavailability":{"start":{"nanoseconds":"1767225600000000000"}}},
              {"machine_ids":[{"hostname":"alpha.example","ip":"10.1.2.4"}],
               "unavailability":{"start":{"nanoseconds":1767229200000000001},"duration":{"nanoseconds":3600000000000}}}]}}}
            """;
        var follower = cluster.Group.Masters.First(x => x.HttpAddress != m).HttpAddress;
        var redirected = await CallAsync(follower, schedule);
        Assert.Equal(HttpStatusCode.TemporaryRedirect, redirected.Status);
        Assert.Equal($"//{m}/api/v1", redirected.Response.Headers.Location!.OriginalString);
        Assert.Empty((await ReadAsync(m, "GET_MAINTENANCE_SCHEDULE")).GetProperty("schedule").GetProperty("windows").EnumerateArray());
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(m, schedule)).Status);
        var windows = (await ReadAsync(m, "GET_MAINTENANCE_SCHEDULE")).GetProperty("schedule").GetProperty("windows");
        Assert.Equal(
            """[{"machine_ids":[{"hostname":"zeta.example"},{"ip":"10.1.2.3"}],"unavailability":{"start":{"nanoseconds":1767225600000000000}}},"""
            + """{"machine_ids":[{"hostname":"alpha.example","ip":"10.1.2.4"}],"unavailability":{"start":{"nanoseconds":1767229200000000001},"duration":{"nanoseconds":3600000000000}}}]""",
            windows.GetRawText());
        var status = (await ReadAsync(m, "GET_MAINTENANCE_STATUS")).GetProperty("status");
        Assert.Equal(["zeta.example", "", "alpha.example"], status.GetProperty("draining_machines").EnumerateArray()
            .Select(d => d.GetProperty("id").TryGetProperty("hostname", out var h) ? h.GetString()! : "").ToArray());
        Assert.All(status.GetProperty("draining_machines").EnumerateArray(), d => Assert.Empty(d.GetProperty("statuses").EnumerateArray()));

        // Refused: each answered 400 with the reason, and the schedule stays as it was.
        (string Call, string Reason)[] refused =
        [
            ("""{"type":"START_MAINTENANCE","start_maintenance":{"machines":[{"hostname":"unknown.example"}]}}""", "not in the maintenance schedule"),
            ("""{"type":"STOP_MAINTENANCE","stop_maintenance":{"machines":[{"ip":"10.1.2.3"}]}}""", "is not DOWN"),
            ("""{"type":"START_MAINTENANCE","start_maintenance":{"machines":[]}}""", "names no machine"),
            ("""{"type":"START_MAINTENANCE","start_maintenance":{"machines":[{"ip":"10.1.2"}]}}""", "not an IP address"),
            ("""{"type":"UPDATE_MAINTENANCE_SCHEDULE","update_maintenance_schedule":{"schedule":{"windows":[{"machine_ids":[{"ip":"10.0.0.1"},{"ip":"10.0.0.1"}],"unavailability":{"start":{"nanoseconds":1}}}]}}}""",
                "more than once"),
            ("""{"type":"UPDATE_MAINTENANCE_SCHEDULE","update_maintenance_schedule":{"schedule":{"windows":[{"machine_ids":[{"ip":"10.0.0.1"}],"unavailability":{"start":{"nanoseconds":1},"duration":{"nanoseconds":-1}}}]}}}""",
                "negative"),
            ("""{"type":"UPDATE_MAINTENANCE_SCHEDULE","update_maintenance_schedule":{"schedule":{"windows":[{"machine_ids":[{}],"unavailability":{"start":{"nanoseconds":1}}}]}}}""",
                "needs a hostname or an ip"),
            ("""{"type":"UPDATE_MAINTENANCE_SCHEDULE","update_maintenance_schedule":{"schedule":{"windows":[{"machine_ids":"x"}]}}}""", "is not a list"),
            ("""{"type":"UPDATE_MAINTENANCE_SCHEDULE","update_maintenance_schedule":{}}""", "'schedule' is missing"),
        ];
        foreach (var (call, reason) in refused)
        {
            var answer = await CallAsync(m, call);
            Assert.True(answer.Status == HttpStatusCode.BadRequest && answer.Body.Contains(reason, StringComparison.Ordinal),
                $"{call}: {(int)answer.Status} {answer.Body}");
        }
        Assert.Equal(windows.GetRawText(), (await ReadAsync(m, "GET_MAINTENANCE_SCHEDULE")).GetProperty("schedule").GetProperty("windows").GetRawText());

        // DOWN, then a schedule leaving the DOWN machine out is refused; STOP brings it UP and out of the schedule.
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(m, """{"type":"START_MAINTENANCE","start_maintenance":{"machines":[{"ip":"10.1.2.3"}]}}""")).Status);
        status = (await ReadAsync(m, "GET_MAINTENANCE_STATUS")).GetProperty("status");
        Assert.Equal("""[{"ip":"10.1.2.3"}]""", status.GetProperty("down_machines").GetRawText());
        Assert.Equal(2, status.GetProperty("draining_machines").GetArrayLength());
        var dropDown = await CallAsync(m, """{"type":"UPDATE_MAINTENANCE_SCHEDULE","update_maintenance_schedule":{"schedule":{"windows":[]}}}""");
        Assert.True(dropDown.Status == HttpStatusCode.BadRequest && dropDown.Body.Contains("is DOWN", StringComparison.Ordinal), dropDown.Body);
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(m, """{"type":"STOP_MAINTENANCE","stop_maintenance":{"machines":[{"ip":"10.1.2.3"}]}}""")).Status);
        windows = (await ReadAsync(m, "GET_MAINTENANCE_SCHEDULE")).GetProperty("schedule").GetProperty("windows");
        Assert.Equal(["zeta.example", "alpha.example"], windows.EnumerateArray()
            .SelectMany(w => w.GetProperty("machine_ids").EnumerateArray()).Select(id => id.GetProperty("hostname").GetString()!).ToArray());
        Assert.Empty((await ReadAsync(m, "GET_MAINTENANCE_STATUS")).GetProperty("status").GetProperty("down_machines").EnumerateArray());

        // Mesos' endpoints from before v1 serve the same documents: the schedule, the status, machines down and up.
        using (var legacy = await Http.GetAsync($"http://{m}/maintenance/schedule"))
            Assert.Equal(windows.GetRawText(), JsonDocument.Parse(await legacy.Content.ReadAsStringAsync()).RootElement.GetProperty("windows").GetRawText());
        using (var moved = await Http.PostAsync($"http://{follower}/machine/down", new StringContent("""[{"ip":"10.1.2.3"}]""")))
        {
            Assert.Equal(HttpStatusCode.TemporaryRedirect, moved.StatusCode);
            Assert.Equal($"//{m}/machine/down", moved.Headers.Location!.OriginalString);
        }
        using (var bad = await Http.PostAsync($"http://{m}/machine/down", new StringContent("""{"hostname":"alpha.example"}""")))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using (var downed = await Http.PostAsync($"http://{m}/machine/down", new StringContent("""[{"hostname":"alpha.example","ip":"10.1.2.4"}]""")))
            Assert.Equal(HttpStatusCode.OK, downed.StatusCode);
        using (var legacyStatus = await Http.GetAsync($"http://{m}/maintenance/status"))
            Assert.Equal("""[{"hostname":"alpha.example","ip":"10.1.2.4"}]""",
                JsonDocument.Parse(await legacyStatus.Content.ReadAsStringAsync()).RootElement.GetProperty("down_machines").GetRawText());
        using (var upped = await Http.PostAsync($"http://{m}/machine/up", new StringContent("""[{"hostname":"alpha.example","ip":"10.1.2.4"}]""")))
            Assert.Equal(HttpStatusCode.OK, upped.StatusCode);
        using (var replaced = await Http.PostAsync($"http://{m}/maintenance/schedule", new StringContent(
                   """{"windows":[{"machine_ids":[{"ip":"10.9.9.9"}],"unavailability":{"start":{"nanoseconds":5}}}]}""")))
            Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal("10.9.9.9", (await ReadAsync(m, "GET_MAINTENANCE_SCHEDULE")).GetProperty("schedule").GetProperty("windows")[0]
            .GetProperty("machine_ids")[0].GetProperty("ip").GetString());

        // An empty schedule clears it.
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(m, """{"type":"UPDATE_MAINTENANCE_SCHEDULE","update_maintenance_schedule":{"schedule":{}}}""")).Status);
        Assert.Empty((await ReadAsync(m, "GET_MAINTENANCE_SCHEDULE")).GetProperty("schedule").GetProperty("windows").EnumerateArray());
    }

    private static async Task<EventStream> SubscribeAsync(string master)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"http://{master}/api/v1")
        {
            Content = new StringContent("""{"type":"SUBSCRIBE"}""", Encoding.UTF8, "application/json"),
        };
        var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new EventStream(response, new RecordIOReader(await response.Content.ReadAsStreamAsync()));
    }

    /// <summary>The operator's side of a SUBSCRIBE: events read in order, heartbeats and events not waited for skipped (and remembered for the failure message).</summary>
    private sealed class EventStream(HttpResponseMessage response, RecordIOReader reader) : IDisposable
    {
        private readonly List<string> skipped = [];

        public async Task<JsonElement> NextAsync(string type, Func<JsonElement, bool>? wanted = null)
        {
            using var cancel = new CancellationTokenSource(Wait);
            try
            {
                while (true)
                {
                    var record = await reader.ReadAsync(cancel.Token) ?? throw new EndOfStreamException($"the stream ended waiting for {type}; skipped [{string.Join(", ", skipped)}]");
                    var e = JsonDocument.Parse(record).RootElement.Clone();
                    var seen = e.GetProperty("type").GetString()!;
                    if (seen == type && (wanted is null || wanted(e))) return e;
                    skipped.Add(seen);
                }
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no {type} within {Wait}; skipped [{string.Join(", ", skipped)}]");
            }
        }

        /// <summary>Reads until the master ends the stream.</summary>
        public async Task EndAsync()
        {
            using var cancel = new CancellationTokenSource(Wait);
            try
            {
                while (await reader.ReadAsync(cancel.Token) is not null) { }
            }
            catch (Exception e) when (e is IOException or HttpRequestException) { /* cut off: ended too */ }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"the stream did not end within {Wait} after its master was killed");
            }
        }

        public void Dispose() => response.Dispose();
    }
}
