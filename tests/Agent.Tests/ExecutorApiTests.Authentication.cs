using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Mesos.HA.Agent.Executors;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Http.V1;
using Xunit;

namespace Mesos.HA.Agent.Tests;

/// <summary>
/// <c>--authenticate-http-executors</c>: every executor the agent launches finds its own token in its
/// environment; a call without one is 401 with the realm, a call with another executor's is 403, and
/// neither changes anything; the executor's own token is accepted.
/// </summary>
public sealed partial class ExecutorApiTests
{
    /// <summary>The token the agent gave the executor, read from its process' environment as the executor itself would.</summary>
    private string TokenOf(string executor)
    {
        var process = agent.Executors().Single(e => e.Key.Executor == executor).Process
            ?? throw new InvalidOperationException($"executor {executor} has no process");
        var prefix = ExecutorTokens.EnvironmentVariable + "=";
        var variables = File.ReadAllText($"/proc/{process.Pid}/environ").Split('\0');
        return variables.Single(v => v.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..];
    }

    private async Task<(HttpStatusCode Status, string Body, string Challenge)> PostWithHeadersAsync(string json, string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), string.Join(", ", response.Headers.WwwAuthenticate));
    }

    private async Task StartAuthenticatingAgentAsync()
    {
        // The first agent's connection is taken before it stops (see AnExecutorThatNeverSubscribes...).
        await master.NextConnectionAsync(Wait);
        authenticateExecutors = true;
        await RestartAgentAsync();
    }

    [Fact]
    public async Task WithAuthentication_NoTokenIs401_AnotherExecutorsTokenIs403_AndNeitherChangesAnything()
    {
        await StartAuthenticatingAgentAsync();
        var connection = await RegisterAsync();
        await connection.SendAsync(1, Launch("t1"));
        await connection.SendAsync(1, Launch("t2", executor: "ex2"));
        await Poll.UntilAsync("both executors' processes run", () => agent.Executors().Count(e => e.Process is not null) == 2, Wait,
            () => $"executors: [{string.Join(", ", agent.Executors())}]");
        var own = TokenOf("ex1");
        var other = TokenOf("ex2");
        Assert.NotEqual(own, other);
        var subscribe = Call("SUBSCRIBE", payload: ",\"subscribe\":{}");

        foreach (var (authorization, why) in new (string?, string)[]
                 {
                     (null, "no Authorization"), ("Basic dXNlcjpwYXNz", "not a bearer token"), ("Bearer ", "an empty token"),
                     ("Bearer " + own[..^4] + "AAAA", "a token with another signature"), ("Bearer " + own + "x", "a token with a longer signature"),
                 })
        {
            var refused = await PostWithHeadersAsync(subscribe, authorization);
            Assert.True(refused.Status == HttpStatusCode.Unauthorized, $"{why}: {(int)refused.Status} {refused.Body}");
            Assert.Equal($"Bearer realm=\"{ExecutorEndpoint.Realm}\"", refused.Challenge);
            Assert.DoesNotContain(own, refused.Body);
        }

        var forbidden = await PostAsync(subscribe, token: other);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.Status);
        Assert.Contains("not for executor ex1", forbidden.Body);
        Assert.DoesNotContain(other, forbidden.Body);
        var update = await PostAsync(Call("UPDATE", payload: Update("t1", "TASK_RUNNING")), token: other);
        Assert.Equal(HttpStatusCode.Forbidden, update.Status);
        Assert.All(agent.Executors(), e => Assert.False(e.Subscribed, $"{e.Key.Executor} subscribed by a refused call"));
        Assert.Equal(TaskState.Staging, agent.Tasks().Single(t => t.Task.Value == "t1").State);

        // Its own token: subscribed, the queued task follows, its update is taken.
        var (stream, next) = await SubscribeAsync(token: own);
        using (stream)
        {
            Assert.Equal(ExecutorEvent.SubscribedType, (await next()).Type);
            Assert.Equal("t1", (await next()).Launch!.Task!.TaskId!.Value);
            Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(Call("UPDATE", payload: Update("t1", "TASK_RUNNING")), token: own)).Status);
            await Poll.UntilAsync("t1 runs", () => agent.Tasks().Single(t => t.Task.Value == "t1").State == TaskState.Running, Wait);
            Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(Call("HEARTBEAT", executor: "ex2"), token: own)).Status);
        }
    }

    [Fact]
    public async Task WithoutAuthentication_CallsWithoutTokensAreTakenAsBefore_AndExecutorsStillGetTheirToken()
    {
        var connection = await RegisterAsync();
        await connection.SendAsync(1, Launch("t1"));
        await Poll.UntilAsync("the executor's process runs", () => agent.Executors().Any(e => e.Process is not null), Wait);
        Assert.NotEmpty(TokenOf("ex1"));
        var (stream, next) = await SubscribeAsync();
        using (stream) Assert.Equal(ExecutorEvent.SubscribedType, (await next()).Type);
    }
}
