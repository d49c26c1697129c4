using System.CommandLine;
using Mesos.HA.ExecutorDriver;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Http.V1;
using TaskStatus = Mesos.HA.Protocol.Http.V1.TaskStatus;

namespace Mesos.HA.Cli;

/// <summary>
/// <c>mesos-ha noop-executor</c>: a custom executor (started by an agent, never by hand) that
/// finishes every task it is given at once: TASK_RUNNING, then TASK_FINISHED. <c>bench executor</c>
/// launches its tasks into it, so the figure is the agent's and master's executor path, not the task's work.
/// </summary>
internal static class NoopExecutorCommand
{
    public static Command Verb()
    {
        var command = new Command("noop-executor", "A custom executor that finishes each task at once (started by an agent, never by hand).");
        command.SetAction(_ => Run());
        return command;
    }

    public static int Run()
    {
        ExecutorDriverSettings settings;
        try
        {
            settings = ExecutorDriverSettings.FromEnvironment();
        }
        catch (ExecutorSettingsException e)
        {
            Console.Error.WriteLine($"mesos-ha noop-executor must be started by an agent: {e.Message}");
            return 2;
        }
        using var driver = new MesosExecutorDriver(new NoopExecutor(), settings);
        return driver.Run() == ExecutorDriverStatus.Stopped ? 0 : 1;
    }

    private sealed class NoopExecutor : IExecutor
    {
        public void Registered(IExecutorDriver driver, ExecutorInfo executorInfo, FrameworkInfo frameworkInfo, ExecutorAgentInfo agentInfo) { }

        public void Reregistered(IExecutorDriver driver, ExecutorAgentInfo agentInfo) { }

        public void Disconnected(IExecutorDriver driver) { }

        public void LaunchTask(IExecutorDriver driver, TaskInfo task)
        {
            driver.SendStatusUpdate(new TaskStatus { TaskId = task.TaskId, State = TaskState.Running.MesosName() });
            driver.SendStatusUpdate(new TaskStatus { TaskId = task.TaskId, State = TaskState.Finished.MesosName() });
        }

        public void KillTask(IExecutorDriver driver, TaskId taskId) =>
            driver.SendStatusUpdate(new TaskStatus { TaskId = new Id { Value = taskId.Value }, State = TaskState.Killed.MesosName() });

        public void FrameworkMessage(IExecutorDriver driver, byte[] data) { }

        public void Shutdown(IExecutorDriver driver) { }

        public void Error(IExecutorDriver driver, string message) => Console.Error.WriteLine($"noop-executor: {message}");
    }
}
