using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Mesos.HA.Protocol;
using V1 = Mesos.HA.Protocol.Http.V1;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.SchedulerDriver.Tests;

/// <summary>The scheduler API's status codes and refusals, over real HTTP against real masters.</summary>
public sealed class SchedulerApiContractTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = ClusterHarness.Deadline;
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };
    private static readonly V1.FrameworkInfo Info = new() { User = "test", Name = "contract" };

    private static string Json(V1.Call call) => Encoding.UTF8.GetString(V1.SchedulerJsonContext.Write(call));

    private static string SubscribeJson(V1.FrameworkInfo info) => Json(new V1.Call { Type = V1.Call.SubscribeType, Subscribe = new() { FrameworkInfo = info } });

    private static async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> PostAsync(string master, string body,
        string contentType = "application/json", string? streamId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"http://{master}{SchedulerConnection.Path}")
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        if (streamId is not null) request.Headers.Add("Mesos-Stream-Id", streamId);
        var response = await Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    private static async Task<V1.Event> NextEventAsync(SchedulerConnection connection, Func<V1.Event, bool> wanted)
    {
        using var timeout = new CancellationTokenSource(Wait);
        await foreach (var e in connection.Events.ReadAllAsync(timeout.Token))
            if (wanted(e)) return e;
        throw new InvalidOperationException("the stream ended");
    }

    private static bool Is(V1.Event e, string type) => e.Type == type;

    [Fact]
    public async Task StatusCodes_Subscribe200WithStreamId_Calls202_Followers307_Bad400_Unsubscribed403_WrongType415()
    {
        await using var cluster = new ClusterHarness(3, output);
        var leader = await cluster.LeaderAsync();
        var follower = cluster.Group.Masters.First(m => m.Id != leader.Id);
        var subscribe = SubscribeJson(Info);

        var redirected = await PostAsync(follower.HttpAddress, subscribe);
        Assert.Equal(HttpStatusCode.TemporaryRedirect, redirected.Status);
        Assert.Equal($"//{leader.HttpAddress}{SchedulerConnection.Path}", redirected.Response.Headers.Location!.OriginalString);

        await using var connection = await SchedulerConnection.SubscribeAsync(Http, follower.HttpAddress, Info, CancellationToken.None);
        Assert.Equal(leader.HttpAddress, connection.Master); // followed the 307
        Assert.False(string.IsNullOrEmpty(connection.StreamId));
        var revive = Json(new V1.Call { Type = V1.Call.ReviveType, FrameworkId = V1.Id.Of(connection.FrameworkId) });
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(leader.HttpAddress, revive, "application/json; charset=utf-8", connection.StreamId)).Status);
        var missing = await PostAsync(leader.HttpAddress, revive);
        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.Contains("Mesos-Stream-Id", missing.Body);
        var wrong = await PostAsync(leader.HttpAddress, revive, streamId: Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.BadRequest, wrong.Status);
        Assert.Contains("does not match", wrong.Body);

        var stranger = Json(new V1.Call { Type = V1.Call.ReviveType, FrameworkId = V1.Id.Of("nobody") });
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(leader.HttpAddress, stranger, streamId: connection.StreamId)).Status);

        var malformed = await PostAsync(leader.HttpAddress, "{\"type\": \"SUBSCRIBE\", ");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.Status);
        Assert.Contains("malformed JSON", malformed.Body);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(leader.HttpAddress, "{\"type\":\"LAUNCH_EVERYTHING\",\"framework_id\":{\"value\":\"x\"}}")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(leader.HttpAddress, "[1,2,3]")).Status);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await PostAsync(leader.HttpAddress, subscribe, "text/plain")).Status);
        // `roles` without MULTI_ROLE: refused as Mesos does, with a stream holding one ERROR event.
        var multiRole = await PostAsync(leader.HttpAddress, SubscribeJson(new V1.FrameworkInfo { Roles = ["a"] }));
        Assert.Equal(HttpStatusCode.OK, multiRole.Status);
        Assert.Contains("\"type\":\"ERROR\"", multiRole.Body);
        Assert.Contains("MULTI_ROLE", multiRole.Body);
        Assert.False(multiRole.Response.Headers.Contains("Mesos-Stream-Id"));
    }

    [Fact]
    public async Task NoLeader_Is503()
    {
        await using var cluster = new ClusterHarness(3, output);
        await cluster.LeaderAsync();
        foreach (var m in cluster.Group.Masters.Skip(1)) m.Kill();
        var lonely = cluster.Group.Masters[0];
        var deadline = DateTime.UtcNow + Wait;
        HttpStatusCode status;
        do status = (await PostAsync(lonely.HttpAddress, SubscribeJson(Info))).Status;
        while (status != HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
    }

    [Fact]
    public async Task SecondSubscribe_ReplacesTheFirstStream_WhichGetsErrorAndCloses()
    {
        await using var cluster = new ClusterHarness(1, output);
        var leader = await cluster.LeaderAsync();
        await using var first = await SchedulerConnection.SubscribeAsync(Http, leader.HttpAddress, Info, CancellationToken.None);
        var again = Info with { Id = V1.Id.Of(first.FrameworkId) };
        await using var second = await SchedulerConnection.SubscribeAsync(Http, leader.HttpAddress, again, CancellationToken.None);
        Assert.Equal(first.FrameworkId, second.FrameworkId);
        var error = await NextEventAsync(first, e => Is(e, "ERROR"));
        Assert.Contains("failed over", error.Error!.Message);
        using var timeout = new CancellationTokenSource(Wait);
        while (await first.Events.WaitToReadAsync(timeout.Token)) first.Events.TryRead(out _);
        // The old stream id no longer works; the new one does.
        var revive = Json(new V1.Call { Type = V1.Call.ReviveType, FrameworkId = V1.Id.Of(first.FrameworkId) });
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(leader.HttpAddress, revive, streamId: first.StreamId)).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(leader.HttpAddress, revive, streamId: second.StreamId)).Status);
    }

    [Fact]
    public async Task BadAccepts_UnknownOffer_OtherFrameworksOffer_OversizedTask_AreRefused_AndChangeNothing()
    {
        await using var cluster = new ClusterHarness(1, output);
        var leader = await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync("cpus:2;mem:256;disk:100;ports:[31000-31001]");
        await using var a = await SchedulerConnection.SubscribeAsync(Http, leader.HttpAddress, Info, CancellationToken.None);
        var offerA = (await NextEventAsync(a, e => Is(e, "OFFERS"))).Offers!.Offers![0]!;
        await using var b = await SchedulerConnection.SubscribeAsync(Http, leader.HttpAddress, new V1.FrameworkInfo { User = "b", Name = "other" }, CancellationToken.None);

        V1.Call Accept(V1.Id offerId, string taskId, double cpus) => new()
        {
            Type = V1.Call.AcceptType,
            Accept = new()
            {
                OfferIds = [offerId],
                Operations =
                [
                    new()
                    {
                        Type = "LAUNCH",
                        Launch = new()
                        {
                            TaskInfos =
                            [
                                new()
                                {
                                    Name = taskId, TaskId = V1.Id.Of(taskId), AgentId = offerA.AgentId,
                                    Resources = [new() { Name = "cpus", Type = "SCALAR", Scalar = new() { Value = cpus } }],
                                    Command = new() { Value = "sleep 30" },
                                },
                            ],
                        },
                    },
                ],
            },
        };

        // An offer id nobody issued: the task is dropped, with the reason.
        await b.CallAsync(Accept(V1.Id.Of("no-such-offer"), "ghost", 0.1), CancellationToken.None);
        var dropped = (await NextEventAsync(b, e => Is(e, "UPDATE"))).Update!.Status!;
        Assert.Equal(("TASK_DROPPED", "REASON_INVALID_OFFERS"), (dropped.State, dropped.Reason));

        // Framework b tries to use a's offer: dropped, and a's offer is still a's.
        await b.CallAsync(Accept(offerA.Id!, "thief", 0.1), CancellationToken.None);
        var stolen = (await NextEventAsync(b, e => Is(e, "UPDATE"))).Update!.Status!;
        Assert.Equal("TASK_DROPPED", stolen.State);

        // a asks for more than the offer holds: TASK_ERROR, nothing launched.
        await a.CallAsync(Accept(offerA.Id!, "greedy", 64), CancellationToken.None);
        var greedy = (await NextEventAsync(a, e => Is(e, "UPDATE"))).Update!.Status!;
        Assert.Equal(("TASK_ERROR", "REASON_TASK_INVALID"), (greedy.State, greedy.Reason));
        Assert.Contains("exceed", greedy.Message);
        Assert.Empty(agent.TaskProcesses());
        Assert.Empty(await agent.TryTasksAsync() ?? []);
    }

    [Fact]
    public async Task Message_Shutdown_AndFailureWhenAnAgentIsLost()
    {
        await using var cluster = new ClusterHarness(1, output);
        var leader = await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        var scheduler = new RecordingScheduler();
        scheduler.Launch("victim", "sleep 300");
        await using var driver = new MesosSchedulerDriver(scheduler, new FrameworkInfo { Name = "messages" }, cluster.MasterAddresses,
            new SchedulerDriverOptions { Http = Http });
        driver.Start();
        await scheduler.WaitAsync("running", () => scheduler.StatesOf("victim").Contains(Protocol.TaskState.Running), Wait);
        var agentId = scheduler.UpdatesOf("victim")[0].AgentId!;
        var framework = new JsonObject { ["value"] = driver.FrameworkId };
        await using var probe = await SchedulerConnection.SubscribeAsync(Http, leader.HttpAddress, Info, CancellationToken.None);

        // MESSAGE to an executor: accepted and handed to the agent (the command executor drops it, and says so).
        driver.SendFrameworkMessage("victim", agentId, "hello"u8.ToArray());
        await Poll.UntilAsync("the agent gets the message", () => File.ReadAllText(agent.LogFile).Contains("5-byte framework message for executor victim"), Wait);
        var toNowhere = new JsonObject
        {
            ["type"] = "MESSAGE", ["framework_id"] = new JsonObject { ["value"] = probe.FrameworkId },
            ["message"] = new JsonObject { ["agent_id"] = new JsonObject { ["value"] = "no-such-agent" }, ["executor_id"] = new JsonObject { ["value"] = "e" }, ["data"] = "aGk=" },
        };
        var refused = await PostAsync(leader.HttpAddress, toNowhere.ToJsonString(), streamId: probe.StreamId);
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("no-such-agent", refused.Body);

        // SHUTDOWN of the command executor kills its task.
        var shutdown = new JsonObject
        {
            ["type"] = "SHUTDOWN", ["framework_id"] = framework,
            ["shutdown"] = new JsonObject { ["executor_id"] = new JsonObject { ["value"] = "victim" }, ["agent_id"] = new JsonObject { ["value"] = agentId } },
        };
        var streamId = driver.StreamId ?? throw new InvalidOperationException("not subscribed");
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(leader.HttpAddress, shutdown.ToJsonString(), streamId: streamId)).Status);
        await scheduler.WaitAsync("killed", () => scheduler.StatesOf("victim").Contains(Protocol.TaskState.Killed), Wait);

        // An agent that goes silent is lost: every framework gets FAILURE with its id.
        agent.Kill();
        await scheduler.WaitAsync("agent lost", () => scheduler.Events.Contains($"agent lost {agentId}"), Wait);
        var failure = await NextEventAsync(probe, e => Is(e, "FAILURE"));
        Assert.Equal(agentId, failure.Failure!.AgentId!.Value);
    }

    [Fact]
    public async Task MessagePack_CallsAndEventStreams()
    {
        await using var cluster = new ClusterHarness(1, output);
        var leader = await cluster.LeaderAsync();
        await cluster.StartAgentAsync();
        var subscribe = MessagePack.MessagePackSerializer.ConvertFromJson(
            SubscribeJson(Info));
        var request = new HttpRequestMessage(HttpMethod.Post, $"http://{leader.HttpAddress}{SchedulerConnection.Path}") { Content = new ByteArrayContent(subscribe) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-msgpack");
        request.Headers.TryAddWithoutValidation("Accept", "application/x-msgpack");
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-msgpack", response.Content.Headers.ContentType!.MediaType);
        var records = new Protocol.Http.RecordIOReader(await response.Content.ReadAsStreamAsync());
        async Task<JsonObject> NextAsync() => JsonNode.Parse(MessagePack.MessagePackSerializer.ConvertToJson(
            (await records.ReadAsync(new CancellationTokenSource(Wait).Token))!))!.AsObject();
        var subscribed = await NextAsync();
        Assert.Equal("SUBSCRIBED", subscribed["type"]!.GetValue<string>());
        var frameworkId = subscribed["subscribed"]!["framework_id"]!["value"]!.GetValue<string>();
        var offers = await NextAsync();
        Assert.Equal("OFFERS", offers["type"]!.GetValue<string>());

        var decline = MessagePack.MessagePackSerializer.ConvertFromJson(new JsonObject
        {
            ["type"] = "DECLINE", ["framework_id"] = new JsonObject { ["value"] = frameworkId },
            ["decline"] = new JsonObject { ["offer_ids"] = new JsonArray(offers["offers"]!["offers"]![0]!["id"]!.DeepClone()) },
        }.ToJsonString());
        var call = new HttpRequestMessage(HttpMethod.Post, $"http://{leader.HttpAddress}{SchedulerConnection.Path}") { Content = new ByteArrayContent(decline) };
        call.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-msgpack");
        call.Headers.Add("Mesos-Stream-Id", response.Headers.GetValues("Mesos-Stream-Id").First());
        Assert.Equal(HttpStatusCode.Accepted, (await Http.SendAsync(call)).StatusCode);

        var garbage = new HttpRequestMessage(HttpMethod.Post, $"http://{leader.HttpAddress}{SchedulerConnection.Path}") { Content = new ByteArrayContent([0xc1, 0x00]) };
        garbage.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-msgpack");
        var refused = await Http.SendAsync(garbage);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("MessagePack", await refused.Content.ReadAsStringAsync());
    }
}
