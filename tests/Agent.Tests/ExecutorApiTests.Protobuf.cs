using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Http;
using Xunit;
using ExecutorProto = Mesos.HA.Protocol.Proto.V1.Executor;
using MesosProto = Mesos.HA.Protocol.Proto.V1;

namespace Mesos.HA.Agent.Tests;

/// <summary>The executor API in protobuf, as a Mesos executor library speaks it: calls by Content-Type, the stream by Accept.</summary>
public sealed partial class ExecutorApiTests
{
    private static ExecutorProto.Call ProtoCall(ExecutorProto.Call.Types.Type type, string executor = "ex1") => new()
    {
        Type = type,
        FrameworkId = new MesosProto.FrameworkID { Value = F.Value },
        ExecutorId = new MesosProto.ExecutorID { Value = executor },
    };

    private async Task<(HttpStatusCode Status, string Body)> PostBytesAsync(byte[] body, string contentType = MediaTypes.Protobuf, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (accept is not null) request.Headers.Accept.ParseAdd(accept);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>SUBSCRIBE in protobuf with <c>Accept: application/x-protobuf</c>; a reader of the stream's events, decoded with the generated types.</summary>
    private async Task<(HttpResponseMessage Response, Func<Task<ExecutorProto.Event>> Next)> SubscribeProtobufAsync()
    {
        var call = ProtoCall(ExecutorProto.Call.Types.Type.Subscribe);
        call.Subscribe = new ExecutorProto.Call.Types.Subscribe();
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(call.ToByteArray()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(MediaTypes.Protobuf);
        request.Headers.Accept.ParseAdd(MediaTypes.Protobuf);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reader = new RecordIOReader(await response.Content.ReadAsStreamAsync());
        return (response, async () =>
        {
            using var cancel = new CancellationTokenSource(Wait);
            while (true)
            {
                var record = await reader.ReadAsync(cancel.Token) ?? throw new EndOfStreamException("the event stream ended");
                var e = ExecutorProto.Event.Parser.ParseFrom(record);
                if (e.Type != ExecutorProto.Event.Types.Type.Heartbeat) return e;
            }
        });
    }

    [Fact]
    public async Task Protobuf_SubscribeGetsAProtobufStream_AndAnUpdateWithASixteenByteUuidIsAcknowledged()
    {
        var connection = await RegisterAsync();
        await connection.SendAsync(1, Launch("t1"));
        await Poll.UntilAsync("the task is staged", () => agent.Tasks().Any(t => t.Task.Value == "t1"), Wait);

        var (stream, next) = await SubscribeProtobufAsync();
        using (stream)
        {
            Assert.Equal(MediaTypes.Protobuf, stream.Content.Headers.ContentType?.MediaType);
            var subscribed = await next();
            Assert.Equal(ExecutorProto.Event.Types.Type.Subscribed, subscribed.Type);
            Assert.Equal(("ex1", F.Value, "a1"), (subscribed.Subscribed.ExecutorInfo.ExecutorId.Value,
                subscribed.Subscribed.FrameworkInfo.Id.Value, subscribed.Subscribed.AgentInfo.Id.Value));
            Assert.Equal(MesosProto.ExecutorInfo.Types.Type.Custom, subscribed.Subscribed.ExecutorInfo.Type);
            var launch = await next();
            Assert.Equal(ExecutorProto.Event.Types.Type.Launch, launch.Type);
            Assert.Equal("t1", launch.Launch.Task.TaskId.Value);
            Assert.Contains(launch.Launch.Task.Resources, r => r.Name == "mem" && r.Type == MesosProto.Value.Types.Type.Scalar && r.Scalar.Value == 16);

            var uuid = Guid.NewGuid();
            var update = ProtoCall(ExecutorProto.Call.Types.Type.Update);
            update.Update = new ExecutorProto.Call.Types.Update
            {
                Status = new MesosProto.TaskStatus
                {
                    TaskId = new MesosProto.TaskID { Value = "t1" },
                    State = MesosProto.TaskState.TaskRunning,
                    Source = MesosProto.TaskStatus.Types.Source.Executor,
                    Uuid = ByteString.CopyFrom(uuid.ToByteArray()),
                },
            };
            Assert.Equal(HttpStatusCode.Accepted, (await PostBytesAsync(update.ToByteArray())).Status);
            var acknowledged = await next();
            Assert.Equal(ExecutorProto.Event.Types.Type.Acknowledged, acknowledged.Type);
            Assert.Equal("t1", acknowledged.Acknowledged.TaskId.Value);
            Assert.Equal(uuid.ToByteArray(), acknowledged.Acknowledged.Uuid.ToByteArray());
            var forwarded = await NextAsync<StatusUpdate>(connection);
            Assert.Equal((new TaskId("t1"), TaskState.Running, uuid), (forwarded.Task, forwarded.State, forwarded.Uuid));

            var message = ProtoCall(ExecutorProto.Call.Types.Type.Message);
            message.Message = new ExecutorProto.Call.Types.Message { Data = ByteString.CopyFromUtf8("hello") };
            Assert.Equal(HttpStatusCode.Accepted, (await PostBytesAsync(message.ToByteArray())).Status);
            Assert.Equal("hello", Encoding.UTF8.GetString((await NextAsync<ExecutorToFramework>(connection)).Data));
            Assert.Equal(HttpStatusCode.Accepted, (await PostBytesAsync(ProtoCall(ExecutorProto.Call.Types.Type.Heartbeat).ToByteArray())).Status);

            await connection.SendAsync(1, new KillTask(F, new TaskId("t1"), 1500));
            var kill = await next();
            Assert.Equal(ExecutorProto.Event.Types.Type.Kill, kill.Type);
            Assert.Equal(("t1", 1_500_000_000L), (kill.Kill.TaskId.Value, kill.Kill.KillPolicy.GracePeriod.Nanoseconds));
        }
    }

    [Fact]
    public async Task Protobuf_AMalformedBody_Is400WithTheReason_AndChangesNothing()
    {
        var connection = await RegisterAsync();
        await connection.SendAsync(1, Launch("t1"));
        await Poll.UntilAsync("the task is staged", () => agent.Tasks().Any(t => t.Task.Value == "t1"), Wait);

        var subscribe = ProtoCall(ExecutorProto.Call.Types.Type.Subscribe);
        subscribe.Subscribe = new ExecutorProto.Call.Types.Subscribe();
        var truncated = subscribe.ToByteArray()[..^1];
        var malformed = await PostBytesAsync(truncated, accept: MediaTypes.Protobuf);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.Status);
        Assert.StartsWith("malformed protobuf: ", malformed.Body);
        // Well-formed protobuf without its ids is refused by the same checks as JSON, naming the field.
        var anonymous = await PostBytesAsync(new ExecutorProto.Call { Type = ExecutorProto.Call.Types.Type.Heartbeat }.ToByteArray());
        Assert.Equal((HttpStatusCode.BadRequest, "framework_id is required"), anonymous);

        // Nothing changed: the executor is not subscribed and its task still waits.
        var early = await PostAsync(Call("UPDATE", payload: Update("t1", "TASK_RUNNING")));
        Assert.Equal(HttpStatusCode.Forbidden, early.Status);
        Assert.False(agent.Executors().Single(e => e.Key.Executor == "ex1").Subscribed);
        Assert.Equal(TaskState.Staging, agent.Tasks().Single(t => t.Task.Value == "t1").State);
    }

    [Fact]
    public async Task Subscribe_WithAnAcceptThatAllowsNeitherJsonNorProtobuf_Is406()
    {
        await RegisterAsync();
        var json = Encoding.UTF8.GetBytes(Call("SUBSCRIBE", payload: ",\"subscribe\":{}"));
        var refused = await PostBytesAsync(json, MediaTypes.Json, accept: "text/plain");
        Assert.Equal(HttpStatusCode.NotAcceptable, refused.Status);
        Assert.Contains("Accept allows neither", refused.Body);
        var subscribe = ProtoCall(ExecutorProto.Call.Types.Type.Subscribe);
        subscribe.Subscribe = new ExecutorProto.Call.Types.Subscribe();
        Assert.Equal(HttpStatusCode.NotAcceptable, (await PostBytesAsync(subscribe.ToByteArray(), accept: "application/json;q=0, text/*")).Status);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await PostBytesAsync(subscribe.ToByteArray(), "application/octet-stream")).Status);
    }
}
