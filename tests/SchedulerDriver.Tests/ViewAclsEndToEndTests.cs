using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Http;
using Mesos.HA.Protocol.Security;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.SchedulerDriver.Tests;

/// <summary>
/// The view and teardown ACLs over real processes: two frameworks of two principals run as two users;
/// principal "alice" may view only user alice's frameworks and tasks, so its state (GET_STATE, GET_TASKS,
/// /master/state, /master/frameworks, /master/tasks) and its operator event stream never name bob's; tearing a framework down is 403 for
/// a principal not allowed (and the framework stays), 200 for the operator who is (and it goes).
/// </summary>
public sealed class ViewAclsEndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = ClusterHarness.Deadline;
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = Wait };
    private static readonly Credential Alice = new("alice", "alice-Secret-3141");
    private static readonly Credential Bob = new("bob", "bob-Secret-2718");
    private static readonly Credential Ops = new("ops", "ops-Secret-1618");

    [Fact]
    public async Task APrincipal_SeesOnlyWhatItMayView_AndTearsDownOnlyWhatItMay()
    {
        var root = Directory.CreateTempSubdirectory("mesos-ha-view-acls-").FullName;
        var credentials = Path.Combine(root, "credentials");
        await File.WriteAllTextAsync(credentials, string.Concat(new[] { Alice, Bob, Ops }.Select(c => $"{c.Principal} {c.Secret}\n")));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(credentials, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var acls = Path.Combine(root, "acls.json");
        await File.WriteAllTextAsync(acls, """
            {"view_frameworks": [{"principals": {"values": ["alice"]}, "users": {"values": ["alice"]}},
                                 {"principals": {"values": ["alice"]}, "users": {"type": "NONE"}}],
             "view_tasks": [{"principals": {"values": ["alice"]}, "users": {"values": ["alice"]}},
                            {"principals": {"values": ["alice"]}, "users": {"type": "NONE"}}],
             "teardown_frameworks": [{"principals": {"values": ["ops"]}, "framework_principals": {"type": "ANY"}},
                                     {"principals": {"type": "ANY"}, "framework_principals": {"type": "NONE"}}]}
            """);
        using var streaming = new CancellationTokenSource();
        Task? reading = null;
        try
        {
            await using var cluster = new ClusterHarness(1, output, "--credentials", credentials, "--authenticate-http-frameworks",
                "--authenticate-http-readonly", "--authenticate-http-readwrite", "--acls", acls);
            var m = (await cluster.LeaderAsync()).HttpAddress;
            // alice and bob are users of the ACLs, not of this machine: the agent runs their tasks as itself.
            await cluster.StartAgentAsync("cpus:4;mem:1024", "--no-switch-user");

            // Alice's operator stream, open before either framework comes.
            var seen = new ConcurrentQueue<string>();
            using var subscribe = Request(m, HttpMethod.Post, "/api/v1", """{"type":"SUBSCRIBE"}""", Alice);
            using var stream = await Http.SendAsync(subscribe, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
            reading = ReadRecordsAsync(await stream.Content.ReadAsStreamAsync(), seen, streaming.Token);

            var aliceScheduler = new RecordingScheduler();
            aliceScheduler.Launch("alice-task", "sleep 60");
            await using var aliceDriver = new MesosSchedulerDriver(aliceScheduler, new FrameworkInfo { Name = "alice-fw", User = "alice" }, [m],
                new SchedulerDriverOptions { Credential = Alice });
            var bobScheduler = new RecordingScheduler();
            bobScheduler.Launch("bob-task", "sleep 60");
            await using var bobDriver = new MesosSchedulerDriver(bobScheduler, new FrameworkInfo { Name = "bob-fw", User = "bob" }, [m],
                new SchedulerDriverOptions { Credential = Bob });
            aliceDriver.Start();
            bobDriver.Start();
            await aliceScheduler.WaitAsync("alice's task runs", () => aliceScheduler.StatesOf("alice-task").Contains(TaskState.Running), Wait);
            await bobScheduler.WaitAsync("bob's task runs", () => bobScheduler.StatesOf("bob-task").Contains(TaskState.Running), Wait);
            var aliceId = aliceScheduler.FrameworkId!;
            var bobId = bobScheduler.FrameworkId!;

            // Alice's reads name only her framework and task; bob (no view rule, permissive) sees both; counts stay whole.
            var aliceState = await CallAsync(m, """{"type":"GET_STATE"}""", Alice);
            Assert.Equal([aliceId], FrameworkIds(aliceState.RootElement.GetProperty("get_state").GetProperty("get_frameworks")));
            Assert.Equal(["alice-task"], TaskIds(aliceState.RootElement.GetProperty("get_state").GetProperty("get_tasks")));
            Assert.Equal(1, aliceState.RootElement.GetProperty("get_state").GetProperty("get_agents").GetProperty("agents").GetArrayLength());
            var aliceTasks = await CallAsync(m, """{"type":"GET_TASKS"}""", Alice);
            Assert.Equal(["alice-task"], TaskIds(aliceTasks.RootElement.GetProperty("get_tasks")));
            var bobState = await CallAsync(m, """{"type":"GET_FRAMEWORKS"}""", Bob);
            Assert.Equal(new[] { aliceId, bobId }.Order(StringComparer.Ordinal), FrameworkIds(bobState.RootElement.GetProperty("get_frameworks")));
            foreach (var path in new[] { "/master/state", "/state.json" })
            {
                using var legacy = JsonDocument.Parse(await GetStringAsync(m, path, Alice));
                var frameworks = legacy.RootElement.GetProperty("frameworks").EnumerateArray().ToArray();
                Assert.Equal([aliceId], frameworks.Select(f => f.GetProperty("id").GetString()));
                Assert.Equal(["alice-task"], frameworks[0].GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("id").GetString()));
                Assert.Equal(1, legacy.RootElement.GetProperty("activated_slaves").GetInt32());
            }
            using (var frameworks = JsonDocument.Parse(await GetStringAsync(m, "/master/frameworks", Alice)))
                Assert.Equal([aliceId], frameworks.RootElement.GetProperty("frameworks").EnumerateArray().Select(f => f.GetProperty("id").GetString()));
            using (var tasks = JsonDocument.Parse(await GetStringAsync(m, "/master/tasks", Alice)))
                Assert.Equal(["alice-task"], tasks.RootElement.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("id").GetString()));
            using (var summary = JsonDocument.Parse(await GetStringAsync(m, "/master/state-summary", Alice)))
                Assert.Equal([aliceId], summary.RootElement.GetProperty("frameworks").EnumerateArray().Select(f => f.GetProperty("id").GetString()));
            using (var tasks = JsonDocument.Parse(await GetStringAsync(m, "/master/tasks", Bob)))
                Assert.Equal(2, tasks.RootElement.GetProperty("tasks").GetArrayLength());

            // Tearing bob's framework down: 403 for principals not allowed (by either endpoint), and it is still there.
            var teardownCall = TeardownCall(bobId);
            using (var refused = await SendAsync(m, HttpMethod.Post, "/api/v1", teardownCall, Alice))
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            using (var refused = await SendFormAsync(m, "/master/teardown", $"frameworkId={bobId}", Bob))
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains(bobId, FrameworkIds((await CallAsync(m, """{"type":"GET_FRAMEWORKS"}""", Ops)).RootElement.GetProperty("get_frameworks")));
            Assert.DoesNotContain(TaskState.Killed, bobScheduler.StatesOf("bob-task"));

            // The operator allowed tears it down: its task is killed, its scheduler told, and it is gone.
            using (var unknown = await SendFormAsync(m, "/teardown", "frameworkId=no-such-framework", Ops))
                Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
            using (var done = await SendFormAsync(m, "/teardown", $"frameworkId={bobId}", Ops)) Assert.Equal(HttpStatusCode.OK, done.StatusCode);
            await bobScheduler.WaitAsync("bob's scheduler hears it was torn down", () => bobScheduler.LastError?.Contains("torn down") == true, Wait);
            await Poll.UntilAsync("bob's framework is gone", async () =>
                !FrameworkIds((await CallAsync(m, """{"type":"GET_FRAMEWORKS"}""", Ops)).RootElement.GetProperty("get_frameworks")).Contains(bobId), Wait);
            using (var again = await SendAsync(m, HttpMethod.Post, "/api/v1", TeardownCall(aliceId), Ops))
                Assert.Equal(HttpStatusCode.OK, again.StatusCode);

            // Alice's stream saw her framework come and go, and nothing of bob's (whose removal came before hers).
            await Poll.UntilAsync("alice's stream reports her framework removed", () => seen.Any(e => e.Contains("FRAMEWORK_REMOVED") && e.Contains(aliceId)),
                Wait, () => string.Join("\n", seen));
            Assert.Contains(seen, e => e.Contains("FRAMEWORK_ADDED") && e.Contains(aliceId));
            Assert.Contains(seen, e => e.Contains("TASK_ADDED") && e.Contains("alice-task"));
            Assert.DoesNotContain(seen, e => e.Contains(bobId) || e.Contains("bob-task"));
        }
        finally
        {
            await streaming.CancelAsync();
            if (reading is not null) await reading; // it ends quietly when cancelled
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static string TeardownCall(string framework) =>
        """{"type":"TEARDOWN","teardown":{"framework_id":{"value":"ID"}}}""".Replace("ID", framework, StringComparison.Ordinal);

    private static async Task ReadRecordsAsync(Stream body, ConcurrentQueue<string> seen, CancellationToken token)
    {
        var reader = new RecordIOReader(body);
        try
        {
            while (await reader.ReadAsync(token) is { } record) seen.Enqueue(Encoding.UTF8.GetString(record));
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException) { }
    }

    private static string[] FrameworkIds(JsonElement getFrameworks) =>
        [.. getFrameworks.GetProperty("frameworks").EnumerateArray().Select(f => f.GetProperty("framework_info").GetProperty("id").GetProperty("value").GetString()!)
            .Order(StringComparer.Ordinal)];

    private static string[] TaskIds(JsonElement getTasks) =>
        [.. getTasks.GetProperty("tasks").EnumerateArray().Concat(getTasks.GetProperty("completed_tasks").EnumerateArray())
            .Select(t => t.GetProperty("task_id").GetProperty("value").GetString()!).Order(StringComparer.Ordinal)];

    private static async Task<JsonDocument> CallAsync(string master, string call, Credential credential)
    {
        using var response = await SendAsync(master, HttpMethod.Post, "/api/v1", call, credential);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{call} as {credential.Principal}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body);
    }

    private static async Task<string> GetStringAsync(string master, string path, Credential credential)
    {
        using var response = await SendAsync(master, HttpMethod.Get, path, "", credential);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} as {credential.Principal}: {(int)response.StatusCode} {body}");
        return body;
    }

    private static HttpRequestMessage Request(string master, HttpMethod method, string path, string body, Credential credential)
    {
        var request = new HttpRequestMessage(method, $"http://{master}{path}");
        if (body.Length > 0) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(credential.BasicHeader());
        return request;
    }

    private static async Task<HttpResponseMessage> SendAsync(string master, HttpMethod method, string path, string body, Credential credential)
    {
        using var request = Request(master, method, path, body, credential);
        return await Http.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> SendFormAsync(string master, string path, string form, Credential credential)
    {
        using var request = Request(master, HttpMethod.Post, path, "", credential);
        request.Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded");
        return await Http.SendAsync(request);
    }
}
