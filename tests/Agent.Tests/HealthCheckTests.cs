using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using V1 = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.Agent.Tests;

/// <summary>Command tasks' health checks through a real master and a real agent, as the framework sees them.</summary>
public sealed class HealthCheckTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = ClusterHarness.Deadline;
    private const string HealthReason = "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED";

    [Fact]
    public async Task ACommandCheck_ReportsHealthy_ThenUnhealthy_ThenKillsTheTask()
    {
        await using var cluster = new ClusterHarness(1, output);
        await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        var framework = await cluster.StartFrameworkAsync();
        var check = new V1.HealthCheck
        {
            Type = "COMMAND", DelaySeconds = 0, IntervalSeconds = 0.2, TimeoutSeconds = 5, GracePeriodSeconds = 0, ConsecutiveFailures = 3,
            Command = new() { Value = "test -f healthy", Shell = true },
        };

        // The task makes its own flag file, so the checks pass from the first one or two on.
        await framework.LaunchAsync("checked", "touch healthy; sleep 300", Wait, healthCheck: check);
        var healthy = await framework.WaitForStatusAsync("checked", s => s is { State: "TASK_RUNNING", Healthy: true }, "healthy=true", Wait, "flag file present");
        Assert.Equal((HealthReason, "SOURCE_EXECUTOR"), (healthy.Reason, healthy.Source));

        File.Delete(Path.Combine(ClusterHarness.SandboxOf(agent, "checked"), "healthy"));
        await framework.WaitForStateAsync("checked", "TASK_KILLED", Wait, "flag file removed");
        var statuses = framework.Statuses("checked");
        var states = string.Join(", ", statuses.Select(TestFramework.Describe));
        Assert.True(statuses.Count >= 4, states);
        Assert.Equal(["TASK_STARTING", "TASK_RUNNING"], statuses.Take(2).Select(s => s.State));
        Assert.All(statuses.Take(2), s => Assert.Null(s.Healthy));
        var afterHealthy = statuses.SkipWhile(s => s.Healthy != true).Skip(1).ToArray();
        var unhealthy = afterHealthy.Where(s => s.State == "TASK_RUNNING").ToArray();
        Assert.True(unhealthy.Length > 0, states);
        Assert.All(unhealthy, s => Assert.Equal((false, HealthReason), (s.Healthy, s.Reason)));
        var killed = statuses[^1];
        Assert.Equal(("TASK_KILLED", false), (killed.State, killed.Healthy));
        Assert.All(statuses, s => Assert.Equal("SOURCE_EXECUTOR", s.Source));
    }
}
