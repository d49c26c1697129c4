using Mesos.HA.Protocol;
using Mesos.HA.Tests.Support;
using Mesos.HA.Agent.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Agent.Tests;

/// <summary>Tasks run through a real master and a real agent, over the scheduler API and the agent channel.</summary>
public sealed class TaskLifecycleTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = ClusterHarness.Deadline;

    [Fact]
    public async Task EchoSleepAndExit3_ReachTheirFinalStates_WithOutputInTheSandbox()
    {
        await using var cluster = new ClusterHarness(1, output);
        await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        var framework = await cluster.StartFrameworkAsync();

        await framework.LaunchAsync("echo", "echo hello from $MESOS_TASK_ID on port $PORT0", Wait, ports: 1);
        await framework.LaunchAsync("sleep", "sleep 0.3", Wait);
        await framework.LaunchAsync("exit3", "echo failing >&2; exit 3", Wait);

        await framework.WaitForStateAsync("echo", "TASK_FINISHED", Wait, "echo");
        await framework.WaitForStateAsync("sleep", "TASK_FINISHED", Wait, "sleep");
        await framework.WaitForStateAsync("exit3", "TASK_FAILED", Wait, "exit 3");
        Assert.Equal(["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"], framework.States("echo"));
        Assert.Equal(["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"], framework.States("sleep"));
        Assert.Equal(["TASK_STARTING", "TASK_RUNNING", "TASK_FAILED"], framework.States("exit3"));

        var echo = ClusterHarness.SandboxOf(agent, "echo");
        Assert.Equal("hello from echo on port 31000\n", await File.ReadAllTextAsync(Path.Combine(echo, "stdout")));
        Assert.Equal("failing\n", await File.ReadAllTextAsync(Path.Combine(ClusterHarness.SandboxOf(agent, "exit3"), "stderr")));
        Assert.Contains("/frameworks/" + framework.FrameworkId + "/executors/echo/runs/", echo);
    }

    [Fact]
    public async Task Kill_ReachesKilled_AndLeavesNoProcessBehind()
    {
        await using var cluster = new ClusterHarness(1, output);
        await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        var framework = await cluster.StartFrameworkAsync();

        // A child that ignores SIGTERM: only the SIGKILL after the grace period ends it.
        await framework.LaunchAsync("stubborn", "sh -c 'trap \"\" TERM; sleep 300' & sleep 300", Wait);
        await framework.WaitForStateAsync("stubborn", "TASK_RUNNING", Wait, "launch");
        var process = Assert.Single(agent.TaskProcesses());
        Assert.True(ProcessGroup.GroupAlive(process));

        await framework.KillAsync("stubborn");
        await framework.WaitForStateAsync("stubborn", "TASK_KILLED", Wait, "kill");
        await Poll.UntilAsync($"process group {process.Pid} empties after TASK_KILLED", () => !ProcessGroup.GroupAlive(process), Wait);
        Assert.Equal(["TASK_STARTING", "TASK_RUNNING", "TASK_KILLED"], framework.States("stubborn"));
    }

    /// <summary>A real agent process as root: its tasks run as their framework's user, unless it was started with --no-switch-user.</summary>
    [RootFact]
    public async Task AsRoot_ATaskRunsAsItsFrameworksUser_AndAsTheAgentsWithNoSwitchUser()
    {
        foreach (var (flags, expected) in new (string[], string)[] { ([], "nobody"), (["--no-switch-user"], Environment.UserName) })
        {
            await using var cluster = new ClusterHarness(1, output);
            await cluster.LeaderAsync();
            var agent = await cluster.StartAgentAsync("cpus:1;mem:256;disk:100;ports:[31000-31009]", flags);
            var framework = await cluster.StartFrameworkAsync(user: "nobody");
            await framework.LaunchAsync("who", "id -un", Wait);
            await framework.WaitForStateAsync("who", "TASK_FINISHED", Wait, $"agent [{string.Join(' ', flags)}]");
            Assert.Equal(expected + "\n", await File.ReadAllTextAsync(Path.Combine(ClusterHarness.SandboxOf(agent, "who"), "stdout")));
        }
    }
}
