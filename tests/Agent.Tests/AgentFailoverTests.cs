using Mesos.HA.Protocol;
using Mesos.HA.Tests.Support;
using Mesos.HA.Agent.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Agent.Tests;

/// <summary>Tasks keep running and their updates arrive through master failovers, lost quorums and agent restarts.</summary>
public sealed class AgentFailoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = ClusterHarness.Deadline;

    [Fact]
    public async Task LeaderKilledWhileTasksRun_AgentReregistersWithThem_AndTheirFinalUpdatesArrive()
    {
        await using var cluster = new ClusterHarness(3, output);
        var leader = await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        var framework = await cluster.StartFrameworkAsync();
        var release = Path.Combine(cluster.Group.Root, "release");
        // The tasks end only when the test says so, after the failover.
        await framework.LaunchAsync("long-1", $"while [ ! -e {release} ]; do sleep 0.05; done", Wait);
        await framework.LaunchAsync("long-2", $"while [ ! -e {release} ]; do sleep 0.05; done; exit 4", Wait);
        await framework.WaitForStateAsync("long-1", "TASK_RUNNING", Wait, "launch 1");
        await framework.WaitForStateAsync("long-2", "TASK_RUNNING", Wait, "launch 2");
        var processes = agent.TaskProcesses();
        Assert.Equal(2, processes.Count);

        // Whoever leads now (under load the group may have changed leader since start): the framework's master.
        leader = await cluster.LeaderAsync();
        leader.Kill();
        var next = await cluster.LeaderAsync();
        Assert.NotEqual(leader.Id, next.Id);
        AgentHealthDto? health = null;
        await Poll.UntilAsync($"the agent re-registers with the new leader {next.HttpAddress}",
            async () => (health = await agent.TryHealthAsync()) is { Registered: true } h && h.Leader == next.HttpAddress, Wait, () => $"health {health}");
        Assert.All(processes, p => Assert.True(ProcessGroup.Alive(p), $"task process {p.Pid} did not survive the failover"));

        await File.WriteAllTextAsync(release, "");
        await framework.WaitForStateAsync("long-1", "TASK_FINISHED", Wait, "after failover");
        await framework.WaitForStateAsync("long-2", "TASK_FAILED", Wait, "after failover");
        Assert.True(framework.Subscriptions >= 2, "the framework should have re-subscribed with the new leader");
        Assert.Equal(framework.Master, next.HttpAddress);
    }

    [Fact]
    public async Task TaskFinishesWhileNoMasterLeads_ItsUpdateIsDeliveredOnceALeaderExists()
    {
        await using var cluster = new ClusterHarness(3, output);
        await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        var framework = await cluster.StartFrameworkAsync();
        var release = Path.Combine(cluster.Group.Root, "release");
        await framework.LaunchAsync("orphan", $"while [ ! -e {release} ]; do sleep 0.05; done", Wait);
        await framework.WaitForStateAsync("orphan", "TASK_RUNNING", Wait, "launch");

        // Two of three masters down: no quorum, no leader.
        var stopped = cluster.Group.Masters.Take(2).ToArray();
        foreach (var m in stopped) m.Kill();
        await Poll.UntilAsync("the agent stops believing it is registered without a quorum",
            async () => await agent.TryHealthAsync() is not { Registered: true }, Wait);
        await File.WriteAllTextAsync(release, "");
        // The agent records the end (its update waits, unacknowledged, for a leader).
        AgentTaskDto[]? tasks = null;
        await Poll.UntilAsync("the agent records the task's end",
            async () => (tasks = await agent.TryTasksAsync()) is [{ State: "TASK_FINISHED", PendingUpdates: > 0 }], Wait,
            () => $"it reports {string.Join(",", (tasks ?? []).Select(t => t.State))}");
        Assert.DoesNotContain(agent.TaskProcesses(), ProcessGroup.Alive);
        Assert.DoesNotContain("TASK_FINISHED", framework.States("orphan"));

        foreach (var m in stopped) cluster.Group.Start(m);
        await cluster.LeaderAsync();
        await framework.WaitForStateAsync("orphan", "TASK_FINISHED", Wait, "after the quorum came back");
    }

    [Fact]
    public async Task AgentKilledAndRestarted_RecoversItsRunningTask_AndReportsTheOneThatDiedMeanwhile()
    {
        await using var cluster = new ClusterHarness(1, output);
        await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        var framework = await cluster.StartFrameworkAsync();
        var release = Path.Combine(cluster.Group.Root, "release");
        await framework.LaunchAsync("survivor", $"while [ ! -e {release} ]; do sleep 0.05; done; echo done", Wait);
        await framework.LaunchAsync("victim", "sleep 300", Wait);
        await framework.WaitForStateAsync("survivor", "TASK_RUNNING", Wait, "launch survivor");
        await framework.WaitForStateAsync("victim", "TASK_RUNNING", Wait, "launch victim");
        var survivorSandbox = ClusterHarness.SandboxOf(agent, "survivor");
        var victim = TaskProcess.Parse(await File.ReadAllTextAsync(Path.Combine(
            survivorSandbox.Replace("/agents/", "/meta/agents/").Replace("/executors/survivor/", "/executors/victim/")
                .Replace(Path.GetFileName(survivorSandbox), Path.GetFileName(ClusterHarness.SandboxOf(agent, "victim"))), "pid")));
        Assert.NotNull(victim);
        var id = (await agent.TryHealthAsync())!.Id;

        agent.Kill();
        ProcessGroup.Signal(victim.Value, ProcessGroup.SigKill); // dies while the agent is down
        await Poll.UntilAsync("the victim dies", () => !ProcessGroup.GroupAlive(victim.Value), Wait);
        agent.Start();
        await cluster.WaitForRegistrationAsync(agent, "agent restart");
        Assert.Equal(id, (await agent.TryHealthAsync())!.Id);

        await framework.WaitForStateAsync("victim", "TASK_FAILED", Wait, "victim after the restart");
        await File.WriteAllTextAsync(release, "");
        await framework.WaitForStateAsync("survivor", "TASK_FINISHED", Wait, "survivor after the restart");
        Assert.Equal("done\n", await File.ReadAllTextAsync(Path.Combine(survivorSandbox, "stdout")));
        Assert.Equal(["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"], framework.States("survivor"));
    }

    [Fact]
    public async Task PausedLeader_TheAgentNoticesTheSilence_AndFollowsTheNewLeader()
    {
        await using var cluster = new ClusterHarness(3, output);
        await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        // The leader to pause is the one the agent is with (a start-up under load may have changed it since).
        var leader = await cluster.LeaderAsync();
        AgentHealthDto? seen = null;
        await Poll.UntilAsync("the agent is with the current leader",
            async () => (seen = await agent.TryHealthAsync())?.Leader == (leader = await cluster.LeaderAsync()).HttpAddress, Wait,
            () => $"agent {seen}, leader {leader.HttpAddress}");
        leader.Pause(); // the connection stays open; only the missing pings tell
        try
        {
            AgentHealthDto? health = null;
            await Poll.UntilAsync("the agent moves off the paused leader",
                async () => (health = await agent.TryHealthAsync()) is { Registered: true } h && h.Leader != leader.HttpAddress, Wait,
                () => $"health {health}", TimeSpan.FromMilliseconds(50));
            // The agent's logger writes in the background: its line may land a moment after the move it explains.
            await Poll.UntilAsync("the agent logs that the leader fell silent",
                async () => (await File.ReadAllTextAsync(agent.LogFile)).Contains("silent for 3 ping periods", StringComparison.Ordinal), Wait,
                () => "agent log: " + File.ReadAllText(agent.LogFile));
        }
        finally
        {
            leader.Resume();
        }
    }
}
