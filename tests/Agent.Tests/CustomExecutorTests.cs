using Mesos.HA.Agent.Tasks;
using Mesos.HA.Protocol;
using Mesos.HA.Samples.WorkerFramework;
using Mesos.HA.SchedulerDriver;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using V1 = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.Agent.Tests;

/// <summary>
/// Custom executors end to end: real masters and agents as processes, the sample worker framework on
/// the scheduler driver, and the sample worker executor on the executor driver, started by the agent.
/// Progress goes executor -> agent -> master -> scheduler as framework messages, "finish" the other way.
/// An executor that never subscribes is driven by <see cref="TestFramework"/>, which sees each update's reason and its offers.
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
        var executorLog = await File.ReadAllTextAsync(Directory.EnumerateFiles(executors[0], "stdout", SearchOption.AllDirectories).Single());
        Assert.Contains("Registered executor worker-", executorLog);
        Assert.Contains("of framework workers (user ", executorLog); // SUBSCRIBED names the framework, as Mesos' TaskInfo requires
        // The leader names each task's executor (the operator API's GET_TASKS; /master/state too, which `mesos-ha logs`
        // follows to the executor's sandbox, but the framework is torn down by now and no longer listed there).
        using var http = new HttpClient();
        using var call = new StringContent("{\"type\":\"GET_TASKS\"}", System.Text.Encoding.UTF8, "application/json");
        using var answer = await http.PostAsync($"http://{(await cluster.LeaderAsync()).HttpAddress}/api/v1", call);
        var tasks = System.Text.Json.JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("get_tasks");
        var named = tasks.GetProperty("completed_tasks").EnumerateArray()
            .Select(t => t.GetProperty("executor_id").GetProperty("value").GetString()!).Distinct().ToArray();
        Assert.Equal([Path.GetFileName(executors[0])], named);
    }

    [Fact]
    public async Task TheLeaderIsKilledWhileMessagesFlow_AndTheTasksStillFinish()
    {
        await using var cluster = new ClusterHarness(3, output);
        var leader = await cluster.LeaderAsync();
        await cluster.StartAgentAsync();
        await using var run = StartFramework(cluster, tasks: 2, steps: 60);

        await Poll.UntilAsync("progress messages flow", () => run.Scheduler.ProgressMessages >= 4, Wait);
        leader.Kill();
        var progressAtKill = run.Scheduler.ProgressMessages;
        // No task had made its steps yet, so every "finish" (scheduler -> executor) was sent after the kill.
        Assert.True(run.Scheduler.FinishesSent == 0, $"a task was told to finish before the leader was killed ({progressAtKill} progress messages)");
        await FinishAsync(run, 2, "after the leader was killed");
        Assert.True(run.Scheduler.ProgressMessages > progressAtKill, $"no progress (executor -> scheduler) after the kill: {progressAtKill} then {run.Scheduler.ProgressMessages}");
        Assert.Equal(2, run.Scheduler.FinishesSent);
    }

    [Fact]
    public async Task TheAgentIsKilledAndRestarted_TheExecutorSubscribesAgain_AndBothItsTasksFinish()
    {
        await using var cluster = new ClusterHarness(1, output);
        await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        await using var run = StartFramework(cluster, tasks: 2, steps: 60);

        AgentTaskDto[]? tasks = null;
        await Poll.UntilAsync("both tasks run in the executor", async () => (tasks = await agent.TryTasksAsync()) is { Length: 2 }
            && tasks.All(t => t.State == "TASK_RUNNING"), Wait, () => $"agent tasks: [{string.Join(", ", (tasks ?? []).Select(t => $"{t.TaskId} {t.State}"))}]");
        await Poll.UntilAsync("progress messages flow", () => run.Scheduler.ProgressMessages >= 4, Wait);
        var executor = Assert.Single(agent.TaskProcesses());
        agent.Kill();
        agent.Start();
        await cluster.WaitForRegistrationAsync(agent, "agent restart");
        await FinishAsync(run, 2, "after the agent restarted");
        // The same executor finished both: it subscribed again, and no second one was started after the restart.
        Assert.Equal(executor, Assert.Single(agent.TaskProcesses()));
        var executorDirectory = Assert.Single(Directory.EnumerateDirectories(Path.Combine(agent.WorkDirectory, "agents"), "worker-*", SearchOption.AllDirectories));
        var executorLog = await File.ReadAllTextAsync(Directory.EnumerateFiles(executorDirectory, "stdout", SearchOption.AllDirectories).Single());
        Assert.Contains("Re-registered with agent", executorLog);
    }

    /// <summary>
    /// With <c>--authenticate-http-executors</c> the sample executor (the executor driver) is accepted on the token the agent gave
    /// it, and again after the agent restarts (the key is in the work directory); the token is never in the agent's log.
    /// </summary>
    [Fact]
    public async Task WithExecutorAuthentication_TheExecutorIsAcceptedOnItsToken_AndAgainAfterTheAgentRestarts()
    {
        await using var cluster = new ClusterHarness(1, output);
        await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync(AgentResources, "--authenticate-http-executors");
        await using var run = StartFramework(cluster, tasks: 2, steps: 60);

        await Poll.UntilAsync("progress messages flow", () => run.Scheduler.ProgressMessages >= 4, Wait,
            () => $"progress {run.Scheduler.ProgressMessages}, unexpected [{string.Join(", ", run.Scheduler.Unexpected)}]");
        var executor = Assert.Single(agent.TaskProcesses());
        const string variable = "MESOS_EXECUTOR_AUTHENTICATION_TOKEN=";
        var token = File.ReadAllText($"/proc/{executor.Pid}/environ").Split('\0').Single(v => v.StartsWith(variable, StringComparison.Ordinal))[variable.Length..];
        using (var http = new HttpClient())
        using (var anonymous = new StringContent("{\"type\":\"HEARTBEAT\"}", System.Text.Encoding.UTF8, "application/json"))
        using (var refused = await http.PostAsync($"http://127.0.0.1:{agent.HttpPort}/api/v1/executor", anonymous))
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode); // the flag is on: only the executor's token gets in
        agent.Kill();
        agent.Start();
        await cluster.WaitForRegistrationAsync(agent, "agent restart");
        await FinishAsync(run, 2, "after the agent restarted");
        Assert.Equal(executor, Assert.Single(agent.TaskProcesses()));
        var executorDirectory = Assert.Single(Directory.EnumerateDirectories(Path.Combine(agent.WorkDirectory, "agents"), "worker-*", SearchOption.AllDirectories));
        var executorLog = await File.ReadAllTextAsync(Directory.EnumerateFiles(executorDirectory, "stdout", SearchOption.AllDirectories).Single());
        Assert.Contains("Re-registered with agent", executorLog);
        Assert.DoesNotContain(token, await File.ReadAllTextAsync(agent.LogFile));
    }

    [Fact]
    public async Task AnExecutorThatNeverSubscribes_IsKilledAtTheRegistrationTimeout_ItsTaskFails_AndTheWholeAgentIsOfferedAgain()
    {
        await using var cluster = new ClusterHarness(1, output);
        await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync(AgentResources, "--executor-registration-timeout", "1secs");
        var agentId = (await agent.TryHealthAsync())?.Id ?? throw new InvalidOperationException("the registered agent has no id");
        var framework = await cluster.StartFrameworkAsync();
        var silent = new V1.ExecutorInfo
        {
            ExecutorId = V1.Id.Of("silent"), Name = "never subscribes", Command = new() { Value = "sleep 60", Shell = true },
            Resources =
            [
                new() { Name = "cpus", Type = "SCALAR", Scalar = new() { Value = 0.5 } },
                new() { Name = "mem", Type = "SCALAR", Scalar = new() { Value = 64 } },
            ],
        };

        await framework.LaunchAsync("lonely", "unused", Wait, executor: silent);
        var ended = await framework.WaitForStatusAsync("lonely", s => FinalStates.Contains(s.State), "a final state", Wait, "executor registration timeout");
        Assert.Equal(("TASK_FAILED", "REASON_EXECUTOR_REGISTRATION_TIMEOUT"), (ended.State, ended.Reason));
        Assert.Equal(["TASK_FAILED"], framework.States("lonely")); // it never ran: no STARTING or RUNNING from an executor

        // The agent killed the executor's process group: neither the shell nor its `sleep` is left.
        var executor = Assert.Single(agent.TaskProcesses());
        await Poll.UntilAsync("the executor's processes are gone", () => !ProcessGroup.GroupAlive(executor) && ProcessesUnder(agent.WorkDirectory).Count == 0, Wait,
            () => $"group {executor.Pid} alive: {ProcessGroup.GroupAlive(executor)}; processes started from the agent's sandboxes: [{string.Join(", ", ProcessesUnder(agent.WorkDirectory))}]");

        // The task's and the executor's resources are back: the framework holds offers for the whole agent again.
        await Poll.UntilAsync("the whole agent is offered again", () => OffersWholeAgent(framework, agentId), Wait,
            () => $"offers held for {agentId}: [{string.Join("; ", framework.Offers().Where(o => o.AgentId?.Value == agentId).Select(DescribeOffer))}]; events: {framework.Received}");
    }

    private const string AgentResources = "cpus:4;mem:1024;disk:1024;ports:[31000-31099]";
    private static readonly string[] FinalStates = ["TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_LOST", "TASK_ERROR", "TASK_DROPPED", "TASK_GONE"];

    private static bool OffersWholeAgent(TestFramework framework, string agentId)
    {
        var held = framework.Offers().Where(o => o.AgentId?.Value == agentId).SelectMany(o => o.Resources ?? []).ToArray();
        return Math.Abs(TestFramework.Scalar(held, "cpus") - 4) < 1e-9 && Math.Abs(TestFramework.Scalar(held, "mem") - 1024) < 1e-9
            && Math.Abs(TestFramework.Scalar(held, "disk") - 1024) < 1e-9 && PortCount(held) == 100;
    }

    private static long PortCount(IEnumerable<V1.Resource?> resources) =>
        resources.Where(r => r?.Name == "ports").SelectMany(r => r!.Ranges?.Range ?? []).Sum(r => r!.End!.Value - r.Begin!.Value + 1);

    private static string DescribeOffer(V1.Offer offer) =>
        $"{offer.Id?.Value}: cpus {TestFramework.Scalar(offer.Resources, "cpus")}, mem {TestFramework.Scalar(offer.Resources, "mem")}, "
        + $"disk {TestFramework.Scalar(offer.Resources, "disk")}, ports {PortCount(offer.Resources ?? [])}";

    /// <summary>
    /// Processes whose environment names a sandbox under <paramref name="workDirectory"/> (every task and executor
    /// the agent starts has MESOS_SANDBOX there), as "pid command": what would leak if a kill missed one.
    /// </summary>
    private static List<string> ProcessesUnder(string workDirectory)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _)) continue;
            try
            {
                if (!File.ReadAllText(Path.Combine(dir, "environ")).Split('\0').Any(v => v.StartsWith("MESOS_SANDBOX=" + workDirectory, StringComparison.Ordinal)))
                    continue;
                var state = File.ReadAllText(Path.Combine(dir, "stat"));
                if (state[(state.LastIndexOf(')') + 2)..].StartsWith('Z')) continue; // a zombie holds nothing but its exit status
                found.Add($"{Path.GetFileName(dir)} {File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim()}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or another user's process: not one of ours.
            }
        }
        return found;
    }
}
