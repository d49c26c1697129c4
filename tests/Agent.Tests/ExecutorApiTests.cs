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
public sealed partial class ExecutorApiTests : IAsyncLifetime
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
    private int port;
    private bool authenticateExecutors;

    public async Task InitializeAsync()
    {
        master = await FakeMaster.StartAsync();
        loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));
        await StartAgentAsync(TimeSpan.FromMinutes(1));
    }

    private async Task StartAgentAsync(TimeSpan registrationTimeout, TimeSpan? reregistrationTimeout = null)
    {
        agent = new AgentService(new AgentOptions
        {
            Masters = [master.Address], WorkDirectory = workDir, Resources = ResourceText.Parse("cpus:2;mem:256"),
            Hostname = "127.0.0.1", HttpPort = 1, UseCgroups = false, ReconnectFirstDelay = TimeSpan.FromMilliseconds(10),
            ExecutorRegistrationTimeout = registrationTimeout, ExecutorShutdownGracePeriod = TimeSpan.FromMilliseconds(200),
            ExecutorReregistrationTimeout = reregistrationTimeout ?? TimeSpan.FromSeconds(30),
            AuthenticateHttpExecutors = authenticateExecutors,
        }, loggers, TimeProvider.System);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // The same port across a restart, as a real agent's: the executor finds its agent again there.
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        web = builder.Build();
        web.Map(ExecutorEndpoint.Path, agent.ExecutorApi.HandleAsync);
        await web.StartAsync();
        url = web.Urls.First() + ExecutorEndpoint.Path;
        port = new Uri(url).Port;
        await agent.StartAsync();
    }

    /// <summary>The agent stops (its executors keep running, as its tasks would) and starts again on its work directory.</summary>
    private async Task RestartAgentAsync(TimeSpan? reregistrationTimeout = null, TimeSpan? registrationTimeout = null)
    {
        await agent.DisposeAsync();
        await web.StopAsync();
        await web.DisposeAsync();
        await StartAgentAsync(registrationTimeout ?? TimeSpan.FromMinutes(1), reregistrationTimeout);
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
        new(F, new TaskId(task), task, "*", "cpus:0.1;mem:16", "", new ExecutorSpec(executor, "my executor", command, "cpus:0.1;mem:32"))
        {
            FrameworkInfo = new FrameworkSummary("my framework", "nobody"),
        };

    private static string Call(string type, string executor = "ex1", string payload = "") =>
        $$"""{"type":"{{type}}","framework_id":{"value":"{{F.Value}}"},"executor_id":{"value":"{{executor}}"}{{payload}}}""";

    private static string Update(string task, string state, string? uuid = null) =>
        ",\"update\":{\"status\":{\"task_id\":{\"value\":\"" + task + "\"},\"state\":\"" + state
        + "\",\"source\":\"SOURCE_EXECUTOR\",\"uuid\":\"" + (uuid ?? Convert.ToBase64String(Guid.NewGuid().ToByteArray())) + "\"}}";

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string json, string contentType = "application/json", string? token = null)
    {
        using var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Opens the SUBSCRIBE stream and returns a reader of its events.</summary>
    private async Task<(HttpResponseMessage Response, Func<Task<ExecutorEvent>> Next)> SubscribeAsync(string executor = "ex1", string subscribe = "{}",
        string? token = null)
    {
        var json = Call("SUBSCRIBE", executor, ",\"subscribe\":" + subscribe);
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
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

    /// <summary>The next message from the agent of the given type, skipping others; within one deadline overall.</summary>
    private static async Task<T> NextAsync<T>(FakeConnection connection, Func<T, bool>? match = null) where T : AgentMessage
    {
        var deadline = DateTime.UtcNow + Wait;
        var seen = new List<string>();
        while (DateTime.UtcNow < deadline)
        {
            var message = Assert.IsType<FrameRead.Ok>(await connection.NextAsync(deadline - DateTime.UtcNow)).Frame.Message;
            if (message is T wanted && (match?.Invoke(wanted) ?? true)) return wanted;
            seen.Add(message.ToString());
        }
        throw new TimeoutException($"no matching {typeof(T).Name} from the agent; saw: {string.Join("; ", seen)}");
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
            Assert.Equal(("my framework", "nobody"), (subscribed.Subscribed.FrameworkInfo!.Name, subscribed.Subscribed.FrameworkInfo.User));
            var launch = await next();
            Assert.Equal(ExecutorEvent.LaunchType, launch.Type);
            Assert.Equal("t1", launch.Launch!.Task!.TaskId!.Value);
            Assert.Equal("a1", launch.Launch.Task.AgentId!.Value); // required in Mesos' TaskInfo

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
        // The first agent's connection is taken before it stops, or the restarted agent's registration
        // would be answered on that dead connection instead of its own.
        await master.NextConnectionAsync(Wait);
        await RestartAgentAsync(registrationTimeout: TimeSpan.FromMilliseconds(500));
        var connection = await RegisterAsync();
        await connection.SendAsync(1, Launch("lonely", executor: "silent"));
        var failed = await NextAsync<StatusUpdate>(connection, u => u.State.IsTerminal());
        Assert.Equal((new TaskId("lonely"), TaskState.Failed, "REASON_EXECUTOR_REGISTRATION_TIMEOUT"), (failed.Task, failed.State, failed.Reason));
        var exited = await NextAsync<ExecutorExited>(connection);
        Assert.Equal("silent", exited.Executor);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(Call("SUBSCRIBE", "silent", ",\"subscribe\":{}"))).Status);
    }

    [Fact]
    public async Task AfterAnAgentRestart_TheExecutorSubscribesAgain_AndItsTaskGoesOn()
    {
        var connection = await RegisterAsync();
        await connection.SendAsync(1, Launch("t1"));
        await Poll.UntilAsync("the task is staged", () => agent.Tasks().Any(t => t.Task.Value == "t1"), Wait);
        var (stream, next) = await SubscribeAsync();
        using (stream)
        {
            Assert.Equal(ExecutorEvent.SubscribedType, (await next()).Type);
            Assert.Equal(ExecutorEvent.LaunchType, (await next()).Type);
            Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(Call("UPDATE", payload: Update("t1", "TASK_RUNNING")))).Status);
            Assert.Equal(ExecutorEvent.AcknowledgedType, (await next()).Type);
        }
        var process = ExecutorProcess();

        await RestartAgentAsync();
        var again = await master.NextConnectionAsync(Wait);
        var registration = Assert.IsType<ReregisterAgent>(Assert.IsType<FrameRead.Ok>(await again.NextAsync(Wait)).Frame.Message);
        Assert.Equal("ex1", Assert.Single(registration.Executors ?? []).Executor.Id);
        await again.SendAsync(2, new AgentRegistered(new AgentId("a1")));
        await Poll.UntilAsync("the agent registers again", () => agent.Registered, Wait);

        // The executor comes back with an update the old agent never answered: it is recorded and acknowledged once.
        var finished = Guid.NewGuid();
        var unacknowledged = "{\"unacknowledged_updates\":[{\"status\":{\"task_id\":{\"value\":\"t1\"},\"state\":\"TASK_FINISHED\",\"uuid\":\""
                             + Convert.ToBase64String(finished.ToByteArray()) + "\"}}]}";
        var (resubscribed, events) = await SubscribeAsync(subscribe: unacknowledged);
        using (resubscribed)
        {
            Assert.Equal(ExecutorEvent.SubscribedType, (await events()).Type);
            var ack = await events();
            Assert.Equal((ExecutorEvent.AcknowledgedType, Convert.ToBase64String(finished.ToByteArray())), (ack.Type, ack.Acknowledged!.Uuid));
            // The stream is in order: the framework acknowledges TASK_RUNNING, then hears TASK_FINISHED.
            var running = await NextAsync<StatusUpdate>(again, u => u.State == TaskState.Running);
            await again.SendAsync(2, new AcknowledgeUpdate(F, running.Task, running.Uuid));
            var forwarded = await NextAsync<StatusUpdate>(again, u => u.State == TaskState.Finished);
            Assert.Equal(finished, forwarded.Uuid);
        }
        Assert.True(ProcessGroup.GroupAlive(process), "the executor's process outlived the agent's restart");
    }

    [Fact]
    public async Task AfterAnAgentRestart_ATaskWhoseLaunchTheExecutorNeverRead_IsGivenToItAgain()
    {
        var connection = await RegisterAsync();
        await connection.SendAsync(1, Launch("t1"));
        await Poll.UntilAsync("the task is staged", () => agent.Tasks().Any(t => t.Task.Value == "t1"), Wait);
        var (stream, next) = await SubscribeAsync();
        using (stream)
        {
            Assert.Equal(ExecutorEvent.SubscribedType, (await next()).Type);
            Assert.Equal("t1", (await next()).Launch?.Task?.TaskId?.Value);
            // t2 is written to this stream; the executor here never reads it, as one whose agent died under it.
            await connection.SendAsync(1, Launch("t2"));
            await Poll.UntilAsync("t2 is staged", () => agent.Tasks().Any(t => t.Task.Value == "t2"), Wait);
        }

        await RestartAgentAsync();
        var again = await master.NextConnectionAsync(Wait);
        Assert.IsType<FrameRead.Ok>(await again.NextAsync(Wait));
        await again.SendAsync(2, new AgentRegistered(new AgentId("a1")));
        await Poll.UntilAsync("the agent registers again", () => agent.Registered, Wait);

        // The executor names t1 (launched, no update sent yet) and not t2: t2 comes again, t1 does not.
        var (resubscribed, events) = await SubscribeAsync(subscribe: "{\"unacknowledged_tasks\":[{\"name\":\"t1\",\"task_id\":{\"value\":\"t1\"},\"agent_id\":{\"value\":\"a1\"}}]}");
        using (resubscribed)
        {
            Assert.Equal(ExecutorEvent.SubscribedType, (await events()).Type);
            var launch = await events();
            Assert.Equal((ExecutorEvent.LaunchType, "t2"), (launch.Type, launch.Launch?.Task?.TaskId?.Value ?? ""));
            Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(Call("UPDATE", payload: Update("t2", "TASK_RUNNING")))).Status);
            Assert.Equal(ExecutorEvent.AcknowledgedType, (await events()).Type); // nothing else came before it
            Assert.Equal(TaskState.Running, (await NextAsync<StatusUpdate>(again, u => u.Task.Value == "t2")).State);
        }
    }

    [Fact]
    public async Task AfterAnAgentRestart_AnExecutorThatDoesNotComeBack_IsKilled_AndItsTasksAreLost()
    {
        var connection = await RegisterAsync();
        await connection.SendAsync(1, Launch("t1"));
        await Poll.UntilAsync("the task is staged", () => agent.Tasks().Any(t => t.Task.Value == "t1"), Wait);
        var process = ExecutorProcess();

        await RestartAgentAsync(reregistrationTimeout: TimeSpan.FromMilliseconds(500));
        var again = await master.NextConnectionAsync(Wait);
        Assert.IsType<FrameRead.Ok>(await again.NextAsync(Wait));
        await again.SendAsync(2, new AgentRegistered(new AgentId("a1")));
        var lost = await NextAsync<StatusUpdate>(again, u => u.State.IsTerminal());
        Assert.Equal((TaskState.Lost, "REASON_EXECUTOR_REREGISTRATION_TIMEOUT"), (lost.State, lost.Reason));
        Assert.Equal("ex1", (await NextAsync<ExecutorExited>(again)).Executor);
        await Poll.UntilAsync("the executor's process group is gone", () => !ProcessGroup.GroupAlive(process), Wait);
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
