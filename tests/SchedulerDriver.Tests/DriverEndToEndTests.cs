using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.Samples.ExampleFramework;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.SchedulerDriver.Tests;

/// <summary>The driver against three real masters and two real agents.</summary>
public sealed class DriverEndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = ClusterHarness.Deadline;

    private static async Task<ClusterHarness> ClusterAsync(ITestOutputHelper output)
    {
        var cluster = new ClusterHarness(3, output);
        await cluster.LeaderAsync();
        await cluster.StartAgentAsync();
        await cluster.StartAgentAsync();
        return cluster;
    }

    [Fact]
    public async Task ExampleFramework_RunsItsTasksToFinished_AndStops()
    {
        await using var cluster = await ClusterAsync(output);
        var log = new StringWriter();
        var scheduler = new ExampleScheduler(8, "echo hi from $MESOS_TASK_ID", ResourceText.Parse("cpus:0.5;mem:32"), log);
        await using var driver = new MesosSchedulerDriver(scheduler, new FrameworkInfo { Name = "example" }, cluster.MasterAddresses);
        var status = await driver.RunAsync().WaitAsync(Wait);
        output.WriteLine(log.ToString());
        Assert.Equal(DriverStatus.Stopped, status);
        Assert.Equal(8, scheduler.Finished);
        Assert.Empty(scheduler.Unexpected);
    }

    [Fact]
    public async Task LeaderKilledMidRun_TheFrameworkKeepsItsId_GetsOffersFromTheNewLeader_AndSeesEveryFinalState()
    {
        await using var cluster = await ClusterAsync(output);
        var release = Path.Combine(cluster.Group.Root, "release");
        var scheduler = new RecordingScheduler();
        for (var i = 0; i < 6; i++)
            scheduler.Launch($"t{i}", i % 2 == 0 ? $"while [ ! -e {release} ]; do sleep 0.05; done" : $"while [ ! -e {release} ]; do sleep 0.05; done; exit 5");
        await using var driver = new MesosSchedulerDriver(scheduler,
            new FrameworkInfo { Name = "failover", FailoverTimeout = TimeSpan.FromMinutes(1) }, cluster.MasterAddresses);
        driver.Start();
        await scheduler.WaitAsync("all running", () => Enumerable.Range(0, 6).All(i => scheduler.StatesOf($"t{i}").Contains(TaskState.Running)), Wait);
        var id = driver.FrameworkId;
        var leader = await cluster.LeaderAsync();
        var offersBefore = scheduler.Offers.Count;

        leader.Kill();
        var next = await cluster.LeaderAsync();
        await scheduler.WaitAsync("re-registered with the new leader", () => scheduler.Reregistrations >= 1 && driver.Master == next.HttpAddress, Wait);
        await scheduler.WaitAsync("an offer from the new leader", () => scheduler.Offers.Skip(offersBefore).Any(), Wait);
        await File.WriteAllTextAsync(release, "");
        await scheduler.WaitAsync("every final state", () => Enumerable.Range(0, 6).All(i => scheduler.StatesOf($"t{i}").Any(s => s.IsTerminal())), Wait);

        Assert.Equal(id, driver.FrameworkId);
        Assert.Equal(id, scheduler.FrameworkId);
        Assert.Equal(1, scheduler.Registrations);
        Assert.Contains("disconnected", scheduler.Events);
        for (var i = 0; i < 6; i++)
        {
            var final = scheduler.UpdatesOf($"t{i}").Last(u => u.State.IsTerminal());
            Assert.Equal(i % 2 == 0 ? TaskState.Finished : TaskState.Failed, final.State);
            Assert.Equal(i % 2 == 0 ? "Command exited with status 0" : "Command exited with status 5", final.Message);
            Assert.Equal("SOURCE_EXECUTOR", final.Source);
        }
        Assert.Null(scheduler.LastError);
    }

    [Fact]
    public async Task FrameworkThatReturnsWithinItsFailoverTimeout_KeepsItsTasks()
    {
        await using var cluster = await ClusterAsync(output);
        var release = Path.Combine(cluster.Group.Root, "release");
        var first = new RecordingScheduler();
        first.Launch("keeper", $"while [ ! -e {release} ]; do sleep 0.05; done");
        var driver = new MesosSchedulerDriver(first, new FrameworkInfo { Name = "returns", FailoverTimeout = TimeSpan.FromMinutes(1) }, cluster.MasterAddresses);
        driver.Start();
        await first.WaitAsync("running", () => first.StatesOf("keeper").Contains(TaskState.Running), Wait);
        var id = driver.FrameworkId!;
        driver.Stop(failover: true); // the framework process "dies" without tearing down
        await driver.DisposeAsync();

        var second = new RecordingScheduler();
        await using var again = new MesosSchedulerDriver(second,
            new FrameworkInfo { Name = "returns", Id = id, FailoverTimeout = TimeSpan.FromMinutes(1) }, cluster.MasterAddresses);
        again.Start();
        await second.WaitAsync("re-subscribed with the same id", () => second.FrameworkId == id, Wait);
        // Reconciliation after subscribing tells the new instance its task is still running.
        await second.WaitAsync("the task reported running", () => second.StatesOf("keeper").Contains(TaskState.Running), Wait);
        // A launch the old process queued but never sent is unknown to the master: reconciling it,
        // with the agent the framework chose, is answered TASK_LOST (it holds no slot forever).
        var agentId = first.UpdatesOf("keeper")[0].AgentId;
        again.ReconcileTasks([("never-sent", agentId)]);
        await second.WaitAsync("the lost launch reconciled", () => second.StatesOf("never-sent").Contains(TaskState.Lost), Wait);
        Assert.Equal("REASON_RECONCILIATION", second.UpdatesOf("never-sent")[0].Reason);
        await File.WriteAllTextAsync(release, "");
        await second.WaitAsync("its final state", () => second.StatesOf("keeper").Contains(TaskState.Finished), Wait);
    }

    [Fact]
    public async Task ReconciliationLeftUnansweredAfterAFailover_IsAskedAgain_AndAnsweredOnceTheAgentIsBack()
    {
        await using var cluster = new ClusterHarness(1, output);
        var master = await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        var scheduler = new RecordingScheduler();
        scheduler.Launch("keeper", "sleep 300");
        await using var driver = new MesosSchedulerDriver(scheduler,
            new FrameworkInfo { Name = "asks-again", FailoverTimeout = TimeSpan.FromMinutes(1) }, cluster.MasterAddresses);
        driver.Start();
        await scheduler.WaitAsync("running", () => scheduler.StatesOf("keeper").Contains(TaskState.Running), Wait);
        var agentId = scheduler.UpdatesOf("keeper")[0].AgentId;

        // The agent is down while the master fails over: the new leader waits for it to re-register.
        agent.Kill();
        master.Kill();
        cluster.Group.Start(master);
        await cluster.LeaderAsync();
        await scheduler.WaitAsync("re-subscribed", () => scheduler.Reregistrations >= 1, Wait);
        // A launch lost with the old leader: the new one does not know it, and its agent may yet come
        // back with it, so the query is left unanswered. A query about a task on an agent the master does
        // not wait for, sent after it on the same ordered call stream, is answered at once: once its
        // answer is in, the first query was handled. (A KILL of an unknown task is not answered either
        // while an agent may still re-register: the task may be running there.)
        driver.ReconcileTasks([("lost-launch", agentId)]);
        driver.ReconcileTasks([("probe", "no-such-agent-S0")]);
        await scheduler.WaitAsync("the probe answered", () => scheduler.StatesOf("probe").Contains(TaskState.Lost), Wait);
        Assert.Empty(scheduler.UpdatesOf("lost-launch"));

        // The agent comes back without the task: only a second query, which the driver sends by itself, settles it.
        agent.Start();
        await cluster.WaitForRegistrationAsync(agent, "the agent back");
        await scheduler.WaitAsync("the lost launch answered", () => scheduler.StatesOf("lost-launch").Contains(TaskState.Lost), Wait);
        Assert.Equal("REASON_RECONCILIATION", scheduler.UpdatesOf("lost-launch")[0].Reason);
        await scheduler.WaitAsync("the keeper answered", () => scheduler.StatesOf("keeper").Count(s => s == TaskState.Running) >= 2, Wait);
    }

    [Fact]
    public async Task FrameworkThatDoesNotReturn_HasItsTasksKilled()
    {
        await using var cluster = new ClusterHarness(1, output);
        await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        var scheduler = new RecordingScheduler();
        scheduler.Launch("orphan", "sleep 300");
        var driver = new MesosSchedulerDriver(scheduler, new FrameworkInfo { Name = "leaves", FailoverTimeout = TimeSpan.FromSeconds(1) }, cluster.MasterAddresses);
        driver.Start();
        await scheduler.WaitAsync("running", () => scheduler.StatesOf("orphan").Contains(TaskState.Running), Wait);
        driver.Stop(failover: true);
        await driver.DisposeAsync();

        // The master kills the tasks once the failover timeout runs out; the agent records TASK_KILLED.
        Mesos.HA.Agent.AgentTaskDto[]? tasks = null;
        await Poll.UntilAsync("the orphan is killed", async () =>
            {
                tasks = await agent.TryTasksAsync();
                return KilledOnAgent(agent, "orphan");
            }, Wait, () => $"agent reports {string.Join(",", (tasks ?? []).Select(t => t.TaskId + ":" + t.State))}", TimeSpan.FromMilliseconds(50));
        // SIGKILL is delivered asynchronously.
        await Poll.UntilAsync("the orphan's processes end after TASK_KILLED",
            () => !agent.TaskProcesses().Any(Mesos.HA.Agent.Tasks.ProcessGroup.GroupAlive), Wait);
    }

    [Fact]
    public async Task PausedLeader_IsNoticedByMissedHeartbeats_AndTheDriverMovesToTheNewLeader()
    {
        await using var cluster = new ClusterHarness(3, output, "--framework-heartbeat-ms", "300");
        var leader = await cluster.LeaderAsync();
        var scheduler = new RecordingScheduler();
        await using var driver = new MesosSchedulerDriver(scheduler, new FrameworkInfo { Name = "heartbeats", FailoverTimeout = TimeSpan.FromMinutes(1) },
            cluster.MasterAddresses);
        driver.Start();
        await scheduler.WaitAsync("registered", () => scheduler.Registrations == 1 && driver.Master == leader.HttpAddress, Wait);
        leader.Pause(); // the TCP connection stays open: only the missing heartbeats tell
        try
        {
            await scheduler.WaitAsync("disconnected by missed heartbeats", () => scheduler.Events.Contains("disconnected"), Wait);
            await scheduler.WaitAsync("re-registered with another master", () => scheduler.Reregistrations >= 1 && driver.Master != leader.HttpAddress, Wait);
            Assert.Equal(1, scheduler.Registrations);
        }
        finally
        {
            leader.Resume();
        }
    }

    [Fact]
    public async Task SubscribingWithAnIdTheMasterDoesNotKnow_IsAnError_AndTheDriverAborts()
    {
        await using var cluster = new ClusterHarness(1, output);
        await cluster.LeaderAsync();
        var scheduler = new RecordingScheduler();
        await using var driver = new MesosSchedulerDriver(scheduler, new FrameworkInfo { Name = "ghost", Id = "never-registered" }, cluster.MasterAddresses);
        Assert.Equal(DriverStatus.Aborted, await driver.RunAsync().WaitAsync(Wait));
        Assert.Contains("not registered", scheduler.LastError);
    }

    private static bool KilledOnAgent(Mesos.HA.Cli.Local.AgentProcess agent, string taskId) =>
        Directory.EnumerateFiles(Path.Combine(agent.WorkDirectory, "meta"), "updates", SearchOption.AllDirectories)
            .Where(f => f.Contains($"/executors/{taskId}/", StringComparison.Ordinal))
            .SelectMany(f => Mesos.HA.Agent.Updates.UpdateLog.ReadAll(f))
            .Any(r => r.Update?.State == TaskState.Killed);
}
