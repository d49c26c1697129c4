using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.ExecutorDriver.Tests;

/// <summary>Records each callback as a line (<c>LaunchTask t1</c>) in the order delivered; hooks let a test act inside one.</summary>
internal sealed class RecordingExecutor : IExecutor
{
    private readonly Lock gate = new();
    private readonly List<string> seen = [];
    private int running;
    private int overlapped;

    public Action<IExecutorDriver, TaskInfo>? OnLaunchTask { get; init; }
    public Action<IExecutorDriver>? OnShutdown { get; init; }

    public IReadOnlyList<string> Seen
    {
        get { lock (gate) return [.. seen]; }
    }

    /// <summary>Whether two callbacks ever ran at the same time (they must not).</summary>
    public bool Overlapped => Volatile.Read(ref overlapped) > 0;

    public bool Saw(string line) => Seen.Contains(line);

    public string Describe() => string.Join(", ", Seen);

    public void Registered(IExecutorDriver driver, ExecutorInfo executorInfo, FrameworkInfo frameworkInfo, ExecutorAgentInfo agentInfo) =>
        Record($"Registered {executorInfo.ExecutorId?.Value} {frameworkInfo.Id?.Value} {agentInfo.Id?.Value}");

    public void Reregistered(IExecutorDriver driver, ExecutorAgentInfo agentInfo) => Record($"Reregistered {agentInfo.Id?.Value}");

    public void Disconnected(IExecutorDriver driver) => Record("Disconnected");

    public void LaunchTask(IExecutorDriver driver, TaskInfo task) =>
        Record($"LaunchTask {task.TaskId?.Value}", () => OnLaunchTask?.Invoke(driver, task));

    public void KillTask(IExecutorDriver driver, TaskId taskId) => Record($"KillTask {taskId}");

    public void FrameworkMessage(IExecutorDriver driver, byte[] data) => Record($"FrameworkMessage {System.Text.Encoding.UTF8.GetString(data)}");

    public void Shutdown(IExecutorDriver driver) => Record("Shutdown", () => OnShutdown?.Invoke(driver));

    public void Error(IExecutorDriver driver, string message) => Record($"Error {message}");

    private void Record(string line, Action? then = null)
    {
        if (Interlocked.Increment(ref running) > 1) Interlocked.Increment(ref overlapped);
        try
        {
            lock (gate) seen.Add(line);
            then?.Invoke();
        }
        finally
        {
            Interlocked.Decrement(ref running);
        }
    }
}
