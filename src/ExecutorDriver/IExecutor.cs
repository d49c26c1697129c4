using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.ExecutorDriver;

/// <summary>
/// A custom executor, called back by its <see cref="IExecutorDriver"/>. Callbacks are made one at a
/// time, never concurrently, in the order the agent's events arrived; a callback may call the driver
/// (send updates, stop it) but must not <see cref="IExecutorDriver.Join"/> it. An exception thrown by a
/// callback aborts the driver; <see cref="IExecutorDriver.Join"/> then throws an <see cref="InvalidOperationException"/> wrapping it.
/// </summary>
public interface IExecutor
{
    /// <summary>The first subscription to the agent succeeded.</summary>
    void Registered(IExecutorDriver driver, ExecutorInfo executorInfo, FrameworkInfo frameworkInfo, ExecutorAgentInfo agentInfo);

    /// <summary>A subscription after a broken stream succeeded (the agent restarted or the connection came back).</summary>
    void Reregistered(IExecutorDriver driver, ExecutorAgentInfo agentInfo);

    /// <summary>The event stream broke; with checkpointing the driver subscribes again until the recovery timeout.</summary>
    void Disconnected(IExecutorDriver driver);

    void LaunchTask(IExecutorDriver driver, TaskInfo task);

    void KillTask(IExecutorDriver driver, TaskId taskId);

    void FrameworkMessage(IExecutorDriver driver, byte[] data);

    /// <summary>The executor must end its tasks (sending their final updates) and exit; the driver stops after this returns.</summary>
    void Shutdown(IExecutorDriver driver);

    /// <summary>Something went wrong that the executor should know about: a refused call, an ERROR event.</summary>
    void Error(IExecutorDriver driver, string message);
}
