using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Http;
using Mesos.HA.Protocol.Security;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.SchedulerDriver.Tests;

/// <summary>
/// <c>--forward-to-leader</c> over real processes: three masters started with it, clients that know only a
/// follower. The scheduler API keeps working across a leader kill through that follower, with the same
/// framework id; the operator API answers the leader's state and streams its events event by event; a
/// forwarded request is never forwarded again; a follower refuses a missing credential itself. (Without
/// the flag a follower answers 307: <see cref="SchedulerApiContractTests"/>.)
/// </summary>
public sealed class ForwardingEndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = ClusterHarness.Deadline;
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    [Fact]
    public async Task FrameworkThatKnowsOnlyAFollower_RunsTasksBeforeAndAfterTheLeaderIsKilled_WithTheSameFrameworkId()
    {
        await using var cluster = new ClusterHarness(3, output, "--forward-to-leader");
        var leader = await cluster.LeaderAsync();
        await cluster.StartAgentAsync();
        var follower = cluster.Group.Masters.First(m => m != leader);
        var release = Path.Combine(cluster.Group.Root, "release");
        await using var framework = new TestFramework([follower.HttpAddress], "forwarded");
        await framework.StartAsync(Wait);
        var id = framework.FrameworkId;
        Assert.Equal(follower.HttpAddress, framework.Master); // answered by the follower itself, not a 307

        await framework.LaunchAsync("before", "true", Wait);
        await framework.WaitForStateAsync("before", "TASK_FINISHED", Wait, "before the kill");
        await framework.LaunchAsync("across", $"while [ ! -e {release} ]; do sleep 0.05; done", Wait);
        await framework.WaitForStateAsync("across", "TASK_RUNNING", Wait, "before the kill");

        leader.Kill();
        var next = await cluster.Group.WaitForLeaderOtherThanAsync(leader, Wait);
        output.WriteLine($"killed m{leader.Id}; m{next.Id} leads; the framework knows only m{follower.Id}");
        if (next == follower)
        {
            // The follower won the election and serves the framework itself: hand the lead to the third master, so
            // that what follows goes through a forward again.
            var subscribed = framework.Subscriptions;
            await Poll.UntilAsync("the framework's follower, elected, re-subscribed", () => framework.Subscriptions > subscribed, Wait,
                () => $"subscriptions {framework.Subscriptions}, events {framework.Received}");
            next = await StepDownAsync(cluster.Group, follower);
            output.WriteLine($"m{follower.Id} stepped down; m{next.Id} leads");
        }
        await Poll.UntilAsync("re-subscribed through the follower to the new leader", () => framework.Subscriptions >= 2 && LogHas(next, $"Framework {id} subscribed"), Wait,
            () => $"subscriptions {framework.Subscriptions}, events {framework.Received}");
        await framework.LaunchAsync("after", "true", Wait);
        await framework.WaitForStateAsync("after", "TASK_FINISHED", Wait, "after the kill");
        await File.WriteAllTextAsync(release, "");
        await framework.WaitForStateAsync("across", "TASK_FINISHED", Wait, "after the kill, released");

        Assert.Equal(id, framework.FrameworkId);
        Assert.Equal(follower.HttpAddress, framework.Master);
        Assert.NotEqual(follower, next);
        Assert.True(LogHas(follower, "Forwarding to the leader is on"), "the follower did not log that it forwards");
    }

    /// <summary>Steps <paramref name="master"/> down until another running master leads (each attempt bounded); that master.</summary>
    private static async Task<MasterProcess> StepDownAsync(MasterGroup group, MasterProcess master)
    {
        var seen = "nothing yet";
        return await Poll.ForAsync($"m{master.Id} hands the lead to another master", async () =>
        {
            using (var answer = await SendAsync(master, HttpMethod.Post, "/master/step-down", "", credential: null))
                seen = $"step-down answered {(int)answer.StatusCode}";
            try
            {
                return await group.WaitForLeaderOtherThanAsync(master, TimeSpan.FromSeconds(5));
            }
            catch (TimeoutException e)
            {
                seen += "; " + e.Message;
                return null;
            }
        }, Wait, () => seen);
    }

    [Fact]
    public async Task OperatorApiThroughAFollower_AnswersTheLeadersState_StreamsItsEvents_NeverForwardsTwice_AndRefusesAMissingCredentialItself()
    {
        var root = Directory.CreateTempSubdirectory("mesos-ha-forward-").FullName;
        var operatorCredential = new Credential("ops", "ops-Secret-4242");
        var credentials = Path.Combine(root, "credentials.json");
        await File.WriteAllTextAsync(credentials, $$"""
            {"credentials": [{"principal": "{{operatorCredential.Principal}}", "secret": "{{operatorCredential.Secret}}"}]}
            """);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(credentials, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var streaming = new CancellationTokenSource();
        Task? reading = null;
        try
        {
            await using var cluster = new ClusterHarness(3, output, "--forward-to-leader", "--credentials", credentials, "--authenticate-http-readwrite");
            var leader = await cluster.LeaderAsync();
            await cluster.StartAgentAsync();
            var follower = cluster.Group.Masters.First(m => m != leader);
            var ops = operatorCredential;

            // The follower refuses a missing credential itself: the leader never sees the request.
            using (var refused = await SendAsync(follower, HttpMethod.Post, "/api/v1", """{"type":"GET_STATE"}""", credential: null))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
                Assert.Contains("mesos-master-readwrite", refused.Headers.WwwAuthenticate.ToString());
            }
            await Poll.UntilAsync("the follower logs its refusal", () => LogHas(follower, "Refused POST /api/v1"), Wait);
            Assert.False(LogHas(leader, "Refused POST /api/v1"), "the leader saw the request the follower refused");

            // GET_STATE through the follower is the leader's: the follower has no state of its own to answer from.
            using var state = await CallAsync(follower, """{"type":"GET_STATE"}""", ops);
            var agents = state.RootElement.GetProperty("get_state").GetProperty("get_agents").GetProperty("agents");
            Assert.Equal(1, agents.GetArrayLength());
            using var leaderState = await CallAsync(leader, """{"type":"GET_STATE"}""", ops);
            Assert.Equal(AgentIds(leaderState.RootElement), AgentIds(state.RootElement));

            // SUBSCRIBE through the follower: SUBSCRIBED (with the agent) first, then events as they happen.
            using var subscribe = Request(follower, HttpMethod.Post, "/api/v1", """{"type":"SUBSCRIBE"}""", ops);
            using var stream = await Http.SendAsync(subscribe, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
            Assert.Equal("application/json", stream.Content.Headers.ContentType?.MediaType);
            var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
            reading = ReadRecordsAsync(await stream.Content.ReadAsStreamAsync(), seen, streaming.Token);
            await Poll.UntilAsync("SUBSCRIBED through the follower", () => seen.Any(e => e.Contains("\"SUBSCRIBED\"", StringComparison.Ordinal)), Wait,
                () => string.Join(" | ", seen));
            Assert.Contains("\"SUBSCRIBED\"", seen.First());
            Assert.Contains(AgentIds(leaderState.RootElement)[0], seen.First());
            await using var framework = new TestFramework([follower.HttpAddress], "watched");
            await framework.StartAsync(Wait);
            await Poll.UntilAsync("FRAMEWORK_ADDED streamed through the follower", () => seen.Any(e => e.Contains("\"FRAMEWORK_ADDED\"", StringComparison.Ordinal)
                && e.Contains(framework.FrameworkId!, StringComparison.Ordinal)), Wait, () => string.Join(" | ", seen.Select(e => e[..Math.Min(e.Length, 120)])));

            // A write and a linearizable read of the leader's other endpoints, through the follower.
            using (var put = await SendAsync(follower, HttpMethod.Put, "/master/weights", """[{"role":"forwarded","weight":2.5}]""", ops))
                Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            using (var weights = await SendAsync(follower, HttpMethod.Get, "/master/weights", "", ops))
            {
                Assert.Equal(HttpStatusCode.OK, weights.StatusCode);
                Assert.Contains("\"forwarded\"", await weights.Content.ReadAsStringAsync());
            }

            // Loop protection: a forwarded request to a master that does not lead is answered 307, not forwarded again.
            using (var marked = Request(follower, HttpMethod.Post, "/api/v1", """{"type":"GET_STATE"}""", ops))
            {
                marked.Headers.Add("Mesos-HA-Forwarded", "127.0.0.1:1");
                using var answer = await Http.SendAsync(marked);
                Assert.Equal(HttpStatusCode.TemporaryRedirect, answer.StatusCode);
                Assert.Equal($"//{leader.HttpAddress}/api/v1", answer.Headers.Location!.OriginalString);
            }
            // ... and the leader serves one.
            using (var marked = Request(leader, HttpMethod.Post, "/api/v1", """{"type":"GET_HEALTH"}""", ops))
            {
                marked.Headers.Add("Mesos-HA-Forwarded", "127.0.0.1:1");
                using var answer = await Http.SendAsync(marked);
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            }
            // What a follower answers from its own state stays its own.
            using (var health = await SendAsync(follower, HttpMethod.Get, "/health", "", credential: null))
                Assert.Contains("\"follower\"", await health.Content.ReadAsStringAsync());
        }
        finally
        {
            await streaming.CancelAsync();
            if (reading is not null) await reading; // ends quietly when cancelled
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    [Fact]
    public async Task SecureCluster_FollowerForwardsOverHttps_PresentingItsOwnCertificateToALeaderThatRequiresOne()
    {
        var root = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "forward-tls-" + Guid.NewGuid().ToString("N")[..12]);
        using var security = LocalSecurity.Create(root, DateTimeOffset.UtcNow);
        var group = new MasterGroup(3, root, ["--log-level", "Information", "--forward-to-leader", "--tls-require-client-cert"], security);
        await using var cluster = new ClusterHarness(group, output);
        var leader = await cluster.LeaderAsync();
        var follower = cluster.Group.Masters.First(m => m != leader);
        using var client = security.OperatorClient(Wait);

        using var call = new StringContent("""{"type":"GET_STATE"}""", Encoding.UTF8, "application/json");
        using var answer = await client.PostAsync(follower.Url("/api/v1"), call);
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.OK, $"GET_STATE through m{follower.Id} over HTTPS: {(int)answer.StatusCode} {body}");
        Assert.Contains("\"get_state\"", body);
        using var unauthenticated = new HttpClient(Https.Handler(security.Client, new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }));
        using var refused = await unauthenticated.PostAsync(follower.Url("/api/v1"), new StringContent("""{"type":"GET_STATE"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    private static bool LogHas(MasterProcess master, string text) =>
        File.Exists(master.LogFile) && ReadShared(master.LogFile).Contains(text, StringComparison.Ordinal);

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string[] AgentIds(JsonElement answer) =>
        [.. answer.GetProperty("get_state").GetProperty("get_agents").GetProperty("agents").EnumerateArray()
            .Select(a => a.GetProperty("agent_info").GetProperty("id").GetProperty("value").GetString()!).Order(StringComparer.Ordinal)];

    private static HttpRequestMessage Request(MasterProcess master, HttpMethod method, string path, string body, Credential? credential)
    {
        var request = new HttpRequestMessage(method, $"http://{master.HttpAddress}{path}");
        if (body.Length > 0) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        if (credential is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Principal}:{credential.Secret}")));
        return request;
    }

    private static async Task<HttpResponseMessage> SendAsync(MasterProcess master, HttpMethod method, string path, string body, Credential? credential)
    {
        using var request = Request(master, method, path, body, credential);
        using var timeout = new CancellationTokenSource(Wait);
        return await Http.SendAsync(request, timeout.Token);
    }

    private static async Task<JsonDocument> CallAsync(MasterProcess master, string call, Credential credential)
    {
        using var response = await SendAsync(master, HttpMethod.Post, "/api/v1", call, credential);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{call} to m{master.Id}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text);
    }

    private static async Task ReadRecordsAsync(Stream body, System.Collections.Concurrent.ConcurrentQueue<string> seen, CancellationToken token)
    {
        var reader = new RecordIOReader(body);
        try
        {
            while (await reader.ReadAsync(token) is { } record) seen.Enqueue(Encoding.UTF8.GetString(record));
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException) { }
    }
}
