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
    public async Task ACommandCheck_ReportsHealthy_Unhealthy_HealthyAgain_ThenKillsTheTask()
    {
        await using var cluster = new ClusterHarness(1, output);
        await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        var framework = await cluster.StartFrameworkAsync();
        var check = new V1.HealthCheck
        {
            Type = "COMMAND", DelaySeconds = 0, IntervalSeconds = 0.2, TimeoutSeconds = 5, GracePeriodSeconds = 0, ConsecutiveFailures = 8,
            Command = new() { Value = "test -f healthy", Shell = true },
        };

        // The task makes its own flag file, so the checks pass from the first one or two on (a check that runs
        // before the task made it fails: the first report may be unhealthy).
        await framework.LaunchAsync("checked", "touch healthy; sleep 300", Wait, healthCheck: check);
        var healthy = await framework.WaitForStatusAsync("checked", s => s is { State: "TASK_RUNNING", Healthy: true }, "healthy=true", Wait, "flag file present");
        Assert.Equal((HealthReason, "SOURCE_EXECUTOR"), (healthy.Reason, healthy.Source));

        // Unhealthy once, then healthy again (the first success after an unhealthy report is reported), then
        // unhealthy until the consecutive failures allowed run out and the task is killed. Each wait takes only
        // reports that came after the previous step.
        var flag = Path.Combine(ClusterHarness.SandboxOf(agent, "checked"), "healthy");
        var before = framework.Statuses("checked").ToHashSet(ReferenceEqualityComparer.Instance);
        File.Delete(flag);
        await framework.WaitForStatusAsync("checked", s => s is { State: "TASK_RUNNING", Healthy: false } && !before.Contains(s), "healthy=false", Wait,
            "flag file removed");
        before = framework.Statuses("checked").ToHashSet(ReferenceEqualityComparer.Instance);
        await File.WriteAllTextAsync(flag, "");
        await framework.WaitForStatusAsync("checked", s => s is { State: "TASK_RUNNING", Healthy: true } && !before.Contains(s),
            "healthy=true again", Wait, "flag file back");
        File.Delete(flag);
        await framework.WaitForStateAsync("checked", "TASK_KILLED", Wait, "flag file removed for good");
        var statuses = framework.Statuses("checked");
        var states = string.Join(", ", statuses.Select(TestFramework.Describe));
        Assert.True(statuses.Count >= 4, states);
        Assert.Equal(["TASK_STARTING", "TASK_RUNNING"], statuses.Take(2).Select(s => s.State));
        Assert.All(statuses.Take(2), s => Assert.Null(s.Healthy));
        var checks = statuses.Where(s => s is { State: "TASK_RUNNING", Healthy: not null }).SkipWhile(s => s.Healthy == false).ToArray();
        Assert.All(checks, s => Assert.Equal(HealthReason, s.Reason));
        // healthy, unhealthy (one or more), healthy once more, then unhealthy until the kill.
        var runs = checks.Select(s => s.Healthy!.Value).Aggregate(new List<bool>(), (r, h) => { if (r.Count == 0 || r[^1] != h) r.Add(h); return r; });
        Assert.True(runs.SequenceEqual([true, false, true, false]), states);
        var killed = statuses[^1];
        Assert.Equal(("TASK_KILLED", false), (killed.State, killed.Healthy));
        Assert.All(statuses, s => Assert.Equal("SOURCE_EXECUTOR", s.Source));
    }
}
