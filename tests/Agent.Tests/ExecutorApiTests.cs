using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mesos.HA.Agent.Executors;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Http;
using Mesos.HA.Protocol.Http.V1;
using Mesos.HA.Protocol.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Mesos.HA.Agent.Tests;

/// <summary>
/// The agent's executor API over real HTTP, with a scripted master on the other side and the test
/// playing the executor: every status code, the event stream, updates checkpointed then acknowledged
/// and forwarded, messages both ways, kill, shutdown and the registration timeout.
/// </summary>
public sealed class ExecutorApiTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly FrameworkId F = new("fw1");
    private readonly string workDir = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "executor-api-" + Guid.NewGuid().ToString("N"));
    private readonly HttpClient http = new() { Timeout = Wait };
    private FakeMaster master = null!;
    private AgentService agent = null!;
    private WebApplication web = null!;
    private ILoggerFactory loggers = null!;
    private string url = "";

    public Task InitializeAsync() => StartAsync(TimeSpan.FromMinutes(1));

    private async Task StartAsync(TimeSpan registrationTimeout)
    {
        master = await FakeMaster.StartAsync();
        loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));
        agent = new AgentService(new AgentOptions
        {
            Masters = [master.Address], WorkDirectory = workDir, Resources = ResourceText.Parse("cpus:2;mem:256"),
            Hostname = "127.0.0.1", HttpPort = 1, UseCgroups = false, ReconnectFirstDelay = TimeSpan.FromMilliseconds(10),
            ExecutorRegistrationTimeout = registrationTimeout, ExecutorShutdownGracePeriod = TimeSpan.FromMilliseconds(200),
        }, loggers, TimeProvider.System);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        web = builder.Build();
        web.Map(ExecutorEndpoint.Path, agent.ExecutorApi.HandleAsync);
        await web.StartAsync();
        url = web.Urls.First() + ExecutorEndpoint.Path;
        await agent.StartAsync();
    }

    private async Task<FakeConnection> RegisterAsync()
    {
        var connection = await master.NextConnectionAsync(Wait);
        Assert.IsType<FrameRead.Ok>(await connection.NextAsync(Wait));
        await connection.SendAsync(1, new AgentRegistered(new AgentId("a1")));
        await Poll.UntilAsync("the agent registers", () => agent.Registered, Wait, interval: TimeSpan.FromMilliseconds(10));
        return connection;
    }

    private static RunTask Launch(string task, string executor = "ex1", string command = "sleep 60") =>
        new(F, new TaskId(task), task, "*", "cpus:0.1;mem:16", "", new ExecutorSpec(executor, "my executor", command, "cpus:0.1;mem:32"));

    private static string Call(string type, string executor = "ex1", string payload = "") =>
        $$"""{"type":"{{type}}","framework_id":{"value":"{{F.Value}}"},"executor_id":{"value":"{{executor}}"}{{payload}}}""";

    private static string Update(string task, string state, string? uuid = null) =>
        ",\"update\":{\"status\":{\"task_id\":{\"value\":\"" + task + "\"},\"state\":\"" + state
        + "\",\"source\":\"SOURCE_EXECUTOR\",\"uuid\":\"" + (uuid ?? Convert.ToBase64String(Guid.NewGuid().ToByteArray())) + "\"}}";

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string json, string contentType = "application/json")
    {
        using var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await http.PostAsync(url, content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Opens the SUBSCRIBE stream and returns a reader of its events.</summary>
    private async Task<(HttpResponseMessage Response, Func<Task<ExecutorEvent>> Next)> SubscribeAsync(string executor = "ex1")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(Call("SUBSCRIBE", executor, ""","subscribe":{}"""), Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reader = new RecordIOReader(await response.Content.ReadAsStreamAsync());
        return (response, async () =>
        {
            using var cancel = new CancellationTokenSource(Wait);
            while (true)
            {
                var record = await reader.ReadAsync(cancel.Token) ?? throw new EndOfStreamException("the event stream ended");
                var e = JsonSerializer.Deserialize(record, ExecutorJsonContext.Default.ExecutorEvent)!;
                if (e.Type != ExecutorEvent.HeartbeatType) return e;
            }
        });
    }

    /// <summary>The next message from the agent of the given type, skipping others.</summary>
    private static async Task<T> NextAsync<T>(FakeConnection connection, Func<T, bool>? match = null) where T : AgentMessage
    {
        while (true)
            if (Assert.IsType<FrameRead.Ok>(await connection.NextAsync(Wait)).Frame.Message is T message && (match?.Invoke(message) ?? true))
                return message;
    }

    [Fact]
    public async Task EveryStatusCode_TheEventStream_UpdatesMessagesKillAndShutdown()
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await PostAsync(Call("HEARTBEAT"))).Status); // not registered yet
        var connection = await RegisterAsync();
        using (var get = await http.GetAsync(url)) Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await PostAsync(Call("HEARTBEAT"), "text/plain")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync("{not json")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync("""{"type":"HEARTBEAT"}""")).Status);
        var unknown = await PostAsync(Call("HEARTBEAT", executor: "ghost"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);
        Assert.Contains("unknown executor ghost", unknown.Body);

        // The executor's process is a plain sleep: the test is the executor that subscribes.
        await connection.SendAsync(1, Launch("t1"));
        await Poll.UntilAsync("the task is staged", () => agent.Tasks().Any(t => t.Task.Value == "t1"), Wait);
        var early = await PostAsync(Call("UPDATE", payload: Update("t1", "TASK_RUNNING")));
        Assert.Equal(HttpStatusCode.Forbidden, early.Status);
        Assert.Contains("not subscribed", early.Body);

        var (stream, next) = await SubscribeAsync();
        using (stream)
        {
            var subscribed = await next();
            Assert.Equal(ExecutorEvent.SubscribedType, subscribed.Type);
            Assert.Equal("ex1", subscribed.Subscribed!.ExecutorInfo!.ExecutorId!.Value);
            Assert.Equal("a1", subscribed.Subscribed.AgentInfo!.Id!.Value);
            var launch = await next();
            Assert.Equal(ExecutorEvent.LaunchType, launch.Type);
            Assert.Equal("t1", launch.Launch!.Task!.TaskId!.Value);

            // A second task for the same executor goes straight to it.
            await connection.SendAsync(1, Launch("t2"));
            Assert.Equal("t2", (await next()).Launch!.Task!.TaskId!.Value);

            Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(Call("UPDATE", payload: Update("t1", "TASK_RUNNING", uuid: "c2hvcnQ=")))).Status);
            Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(Call("UPDATE", payload: Update("t1", "TASK_STAGING")))).Status);
            Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(Call("UPDATE", payload: Update("nope", "TASK_RUNNING")))).Status);

            var uuid = Guid.NewGuid();
            var running = await PostAsync(Call("UPDATE", payload: Update("t1", "TASK_RUNNING", Convert.ToBase64String(uuid.ToByteArray()))));
            Assert.Equal(HttpStatusCode.Accepted, running.Status);
            var acknowledged = await next();
            Assert.Equal(ExecutorEvent.AcknowledgedType, acknowledged.Type);
            Assert.Equal(Convert.ToBase64String(uuid.ToByteArray()), acknowledged.Acknowledged!.Uuid);
            var forwarded = await NextAsync<StatusUpdate>(connection);
            Assert.Equal((new TaskId("t1"), TaskState.Running, uuid), (forwarded.Task, forwarded.State, forwarded.Uuid));
            Assert.Equal(("ex1", "SOURCE_EXECUTOR"), (forwarded.Details!.Executor, forwarded.Details.Source));

            Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(Call("MESSAGE", payload: ""","message":{"data":"aGVsbG8="}"""))).Status);
            var up = await NextAsync<ExecutorToFramework>(connection);
            Assert.Equal(("ex1", "hello"), (up.Executor, Encoding.UTF8.GetString(up.Data)));
            await connection.SendAsync(1, new FrameworkToExecutor(F, "ex1", Encoding.UTF8.GetBytes("do it")));
            Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("do it")), (await next()).Message!.Data);

            await connection.SendAsync(1, new KillTask(F, new TaskId("t2"), 1500));
            var kill = await next();
            Assert.Equal(("t2", 1_500_000_000L), (kill.Kill!.TaskId!.Value, kill.Kill.KillPolicy!.GracePeriod!.Nanoseconds));

            // Shut down: SHUTDOWN on the stream, then the executor's process (our sleep) is killed after the
            // grace period; its tasks end and the master hears that the executor exited.
            var process = ExecutorProcess();
            await connection.SendAsync(1, new ShutdownExecutor(F, "ex1"));
            Assert.Equal(ExecutorEvent.ShutdownType, (await next()).Type);
            var exited = await NextAsync<ExecutorExited>(connection);
            Assert.Equal(("ex1", -1), (exited.Executor, exited.Status));
            await Poll.UntilAsync("the executor's process group is gone", () => !ProcessGroup.GroupAlive(process), Wait);
        }
        await Poll.UntilAsync("both tasks ended", () => agent.Tasks().All(t => t.State.IsTerminal()), Wait);
        Assert.Equal(TaskState.Killed, agent.Tasks().Single(t => t.Task.Value == "t2").State);
        Assert.Equal(TaskState.Failed, agent.Tasks().Single(t => t.Task.Value == "t1").State);
    }

    [Fact]
    public async Task AnExecutorThatNeverSubscribes_IsKilled_AndItsTasksFailWithTheReason()
    {
        await DisposeAsync();
        await StartAsync(TimeSpan.FromMilliseconds(500));
        var connection = await RegisterAsync();
        await connection.SendAsync(1, Launch("lonely", executor: "silent"));
        var failed = await NextAsync<StatusUpdate>(connection, u => u.State.IsTerminal());
        Assert.Equal((new TaskId("lonely"), TaskState.Failed, "REASON_EXECUTOR_REGISTRATION_TIMEOUT"), (failed.Task, failed.State, failed.Reason));
        var exited = await NextAsync<ExecutorExited>(connection);
        Assert.Equal("silent", exited.Executor);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(Call("SUBSCRIBE", "silent", ""","subscribe":{}"""))).Status);
    }

    private TaskProcess ExecutorProcess() =>
        agent.Executors().Single(e => e.Key.Executor == "ex1").Process ?? throw new InvalidOperationException("the executor has no process");

    public async Task DisposeAsync()
    {
        // An agent that stops leaves its executors running (as it does its tasks): the test ends its own.
        foreach (var process in agent.Executors().Select(e => e.Process).OfType<TaskProcess>())
            ProcessGroup.Signal(process, ProcessGroup.SigKill);
        await agent.DisposeAsync();
        await web.StopAsync();
        await web.DisposeAsync();
        await master.DisposeAsync();
        loggers.Dispose();
        try { Directory.Delete(workDir, recursive: true); } catch (IOException) { }
    }
}
