using Mesos.HA.Agent.Tasks;
using Mesos.HA.Protocol;
using Mesos.HA.Samples.WorkerFramework;
using Mesos.HA.SchedulerDriver;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Agent.Tests;

/// <summary>
/// Custom executors end to end: real masters and agents as processes, the sample worker framework on
/// the scheduler driver, and the sample worker executor on the executor driver, started by the agent.
/// Progress goes executor -> agent -> master -> scheduler as framework messages, "finish" the other way.
/// </summary>
public sealed class CustomExecutorTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private sealed class Run(WorkerScheduler scheduler, MesosSchedulerDriver driver, Task<DriverStatus> running, StringWriter log) : IAsyncDisposable
    {
        public WorkerScheduler Scheduler { get; } = scheduler;
        public Task<DriverStatus> Running { get; } = running;
        public string Log => log.ToString();

        public async ValueTask DisposeAsync()
        {
            driver.Stop();
            await driver.DisposeAsync();
        }
    }

    private static Run StartFramework(ClusterHarness cluster, int tasks, int steps)
    {
        var log = new StringWriter();
        var scheduler = new WorkerScheduler(new WorkerPlan(tasks, steps, SampleExecutor.Command), TextWriter.Synchronized(log));
        var driver = new MesosSchedulerDriver(scheduler, new FrameworkInfo { Name = "workers", FailoverTimeout = TimeSpan.FromMinutes(1) },
            cluster.MasterAddresses);
        return new Run(scheduler, driver, driver.RunAsync(), log);
    }

    private async Task FinishAsync(Run run, int tasks, string phase)
    {
        var ended = await Task.WhenAny(run.Running, Task.Delay(Wait));
        output.WriteLine(run.Log);
        Assert.True(ended == run.Running, $"{phase}: the framework did not finish within {Wait}; finished {run.Scheduler.Finished} of {tasks}, unexpected [{string.Join(", ", run.Scheduler.Unexpected)}]");
        Assert.Equal(DriverStatus.Stopped, await run.Running);
        Assert.Empty(run.Scheduler.Unexpected);
        Assert.Equal(tasks, run.Scheduler.Finished);
    }

    [Fact]
    public async Task TwoTasksShareOneExecutor_AndMessagesFlowBothWays()
    {
        await using var cluster = new ClusterHarness(1, output);
        await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        await using var run = StartFramework(cluster, tasks: 2, steps: 3);

        await FinishAsync(run, 2, "two tasks");
        Assert.True(run.Scheduler.ProgressMessages >= 6, $"progress messages: {run.Scheduler.ProgressMessages}");
        Assert.Equal(2, run.Scheduler.FinishesSent);
        var executors = Directory.EnumerateDirectories(Path.Combine(agent.WorkDirectory, "agents"), "worker-*", SearchOption.AllDirectories).ToArray();
        Assert.Single(executors); // one executor ran both tasks
        Assert.Contains("Registered executor worker-", await File.ReadAllTextAsync(Directory.EnumerateFiles(executors[0], "stdout", SearchOption.AllDirectories).Single()));
    }

    [Fact]
    public async Task TheLeaderIsKilledWhileMessagesFlow_AndTheTasksStillFinish()
    {
        await using var cluster = new ClusterHarness(3, output);
        var leader = await cluster.LeaderAsync();
        await cluster.StartAgentAsync();
        await using var run = StartFramework(cluster, tasks: 2, steps: 40);

        await Poll.UntilAsync("progress messages flow", () => run.Scheduler.ProgressMessages >= 4, Wait);
        leader.Kill();
        await FinishAsync(run, 2, "after the leader was killed");
    }

    [Fact]
    public async Task TheAgentIsKilledAndRestarted_TheExecutorSubscribesAgain_AndItsTaskFinishes()
    {
        await using var cluster = new ClusterHarness(1, output);
        await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        await using var run = StartFramework(cluster, tasks: 1, steps: 60);

        await Poll.UntilAsync("progress messages flow", () => run.Scheduler.ProgressMessages >= 3, Wait);
        var executor = Assert.Single(agent.TaskProcesses());
        agent.Kill();
        agent.Start();
        await cluster.WaitForRegistrationAsync(agent, "agent restart");
        await FinishAsync(run, 1, "after the agent restarted");
        // The same executor finished it: no second one was started after the restart.
        Assert.Equal(executor, Assert.Single(agent.TaskProcesses()));
    }
}
