using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Http.V1;
using Xunit;
using TaskStatus = Mesos.HA.Protocol.Http.V1.TaskStatus;

namespace Mesos.HA.ExecutorDriver.Tests;

/// <summary>A fake agent and a driver subscribed to it; waits poll with a deadline and say what they saw on timeout.</summary>
internal sealed class DriverFixture : IAsyncDisposable
{
    public const string FrameworkId = "framework-1";
    public const string ExecutorId = "executor-1";
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private DriverFixture(FakeAgent agent, RecordingExecutor executor, MesosExecutorDriver driver)
    {
        Agent = agent;
        Executor = executor;
        Driver = driver;
    }

    public FakeAgent Agent { get; }
    public RecordingExecutor Executor { get; }
    public MesosExecutorDriver Driver { get; }

    public static ExecutorDriverSettings Settings(string endpoint, bool checkpoint) => new()
    {
        FrameworkId = FrameworkId,
        ExecutorId = ExecutorId,
        AgentEndpoint = endpoint,
        Checkpoint = checkpoint,
        RecoveryTimeout = TimeSpan.FromSeconds(10),
        SubscriptionBackoffMax = TimeSpan.FromMilliseconds(50),
        ShutdownGracePeriod = TimeSpan.FromSeconds(5),
        CallTimeout = TimeSpan.FromSeconds(5),
        BackoffSeed = 14,
    };

    /// <summary>Starts both and waits for Registered.</summary>
    public static async Task<DriverFixture> StartAsync(bool checkpoint = true, RecordingExecutor? executor = null,
        Func<ExecutorDriverSettings, ExecutorDriverSettings>? adjust = null)
    {
        var agent = await FakeAgent.StartAsync();
        executor ??= new RecordingExecutor();
        var settings = Settings(agent.Endpoint, checkpoint);
        var driver = new MesosExecutorDriver(executor, adjust?.Invoke(settings) ?? settings);
        var fixture = new DriverFixture(agent, executor, driver);
        Assert.Equal(ExecutorDriverStatus.Running, driver.Start());
        await fixture.WaitForAsync("registered", () => executor.Seen.Any(line => line.StartsWith("Registered", StringComparison.Ordinal)));
        await Poll.UntilAsync("stream open", () => agent.Streaming, Deadline);
        return fixture;
    }

    public Task WaitForAsync(string phase, Func<bool> condition) =>
        Poll.UntilAsync(phase, condition, Deadline, () => $"callbacks [{Executor.Describe()}], calls [{string.Join(", ", Agent.Calls.Select(c => c.Type))}]");

    public Task WaitForCallbackAsync(string line) => WaitForAsync($"callback '{line}'", () => Executor.Saw(line));

    public static ExecutorEvent Launch(string taskId) => new()
    {
        Type = ExecutorEvent.LaunchType,
        Launch = new ExecutorLaunchEvent { Task = new TaskInfo { Name = taskId, TaskId = Id.Of(taskId), AgentId = Id.Of("agent-1") } },
    };

    public static TaskStatus Running(string taskId) => new() { TaskId = Id.Of(taskId), State = "TASK_RUNNING" };

    public async ValueTask DisposeAsync()
    {
        Driver.Dispose();
        await Agent.DisposeAsync();
    }
}
