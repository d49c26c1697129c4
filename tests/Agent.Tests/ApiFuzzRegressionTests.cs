using System.Net;
using System.Text;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Agent.Tests;

/// <summary>Requests the live fuzz (<see cref="ApiFuzzTests"/>) answered with a 500, pinned.</summary>
public sealed class ApiFuzzRegressionTests(ITestOutputHelper output)
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>
    /// Seed 20261130 sent <c>POST /maintenance/schedule</c> with <c>{}</c> while a loaded leader's lease ran
    /// out: the write threw NotLeaderException out of the endpoint (500, and a stack trace in the log).
    /// Here the leader loses its majority just before the write: the answer is a not-leader answer.
    /// </summary>
    [Theory]
    [InlineData("/maintenance/schedule", "{}")]
    [InlineData("/machine/down", """[{"hostname":"fuzz-host"}]""")]
    public async Task Regression_LegacyMaintenanceWrite_WhenLeadershipIsLost_IsANotLeaderAnswer_NotA500(string path, string body)
    {
        await using var cluster = new ClusterHarness(3, output);
        var leader = await cluster.LeaderAsync();
        foreach (var follower in cluster.Group.Masters.Where(m => m.Id != leader.Id)) follower.SendKill();
        using var response = await Http.PostAsync($"http://{leader.HttpAddress}{path}", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TemporaryRedirect,
            $"{(int)response.StatusCode} {text}");
        Assert.DoesNotContain("unhandled exception", await File.ReadAllTextAsync(leader.LogFile), StringComparison.OrdinalIgnoreCase);
    }
}
