using System.Text;
using Mesos.HA.ExecutorDriver;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Http.V1;
using TaskStatus = Mesos.HA.Protocol.Http.V1.TaskStatus;

namespace Mesos.HA.Samples.WorkerExecutor;

/// <summary>
/// Runs "work" tasks inside one executor process. A task reports progress to the framework with a
/// framework message (<c>progress TASK STEP</c>) every 100 ms and keeps working until the framework
/// sends <c>finish TASK</c> (then TASK_FINISHED) or kills it (TASK_KILLED). SHUTDOWN kills what is left.
/// </summary>
public sealed class WorkerExecutor(TextWriter log) : IExecutor
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);
    private readonly object gate = new();
    private readonly Dictionary<string, CancellationTokenSource> working = [];

    public void Registered(IExecutorDriver driver, ExecutorInfo executorInfo, FrameworkInfo frameworkInfo, ExecutorAgentInfo agentInfo) =>
        log.WriteLine($"Registered executor {executorInfo.ExecutorId?.Value} of framework {frameworkInfo.Name} (user {frameworkInfo.User}) on agent {agentInfo.Id?.Value}");

    public void Reregistered(IExecutorDriver driver, ExecutorAgentInfo agentInfo) => log.WriteLine($"Re-registered with agent {agentInfo.Id?.Value}");

    public void Disconnected(IExecutorDriver driver) => log.WriteLine("Disconnected from the agent; the driver subscribes again");

    public void LaunchTask(IExecutorDriver driver, TaskInfo task)
    {
        var id = task.TaskId?.Value ?? "";
        var stop = new CancellationTokenSource();
        lock (gate) working[id] = stop;
        driver.SendStatusUpdate(Status(id, TaskState.Starting));
        driver.SendStatusUpdate(Status(id, TaskState.Running));
        _ = Task.Run(() => WorkAsync(driver, id, stop.Token));
    }

    /// <summary>Reports progress until stopped; the one who stopped it sends the final update.</summary>
    private static async Task WorkAsync(IExecutorDriver driver, string task, CancellationToken stop)
    {
        for (var step = 1; !stop.IsCancellationRequested; step++)
        {
            driver.SendFrameworkMessage(Encoding.UTF8.GetBytes($"progress {task} {step}"));
            try { await Task.Delay(Step, stop); }
            catch (OperationCanceledException) { return; }
        }
    }

    public void KillTask(IExecutorDriver driver, TaskId taskId) => End(driver, taskId.Value, TaskState.Killed, "killed by the framework");

    public void FrameworkMessage(IExecutorDriver driver, byte[] data)
    {
        var words = Encoding.UTF8.GetString(data).Split(' ', 2);
        if (words is ["finish", var task]) End(driver, task, TaskState.Finished, "the framework said it is done");
        else log.WriteLine($"Ignoring an unknown command '{Encoding.UTF8.GetString(data)}'");
    }

    public void Shutdown(IExecutorDriver driver)
    {
        string[] left;
        lock (gate) left = [.. working.Keys];
        foreach (var task in left) End(driver, task, TaskState.Killed, "the executor is shutting down");
    }

    public void Error(IExecutorDriver driver, string message) => log.WriteLine($"Error: {message}");

    private void End(IExecutorDriver driver, string task, TaskState state, string message)
    {
        CancellationTokenSource? stop;
        lock (gate)
        {
            if (!working.Remove(task, out stop)) return; // ended already, or never ours
        }
        stop.Cancel();
        stop.Dispose();
        driver.SendStatusUpdate(Status(task, state) with { Message = message });
    }

    private static TaskStatus Status(string task, TaskState state) => new() { TaskId = new Id { Value = task }, State = state.MesosName() };
}
