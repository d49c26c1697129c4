using Mesos.HA.Protocol.Http.V1;
using TaskStatus = Mesos.HA.Protocol.Http.V1.TaskStatus;

namespace Mesos.HA.ExecutorDriver;

/// <summary>
/// Connects an <see cref="IExecutor"/> to its agent. Thread-safe: any method may be called from any
/// thread, callbacks included (except <see cref="Join"/> and <see cref="Run"/>, which wait for the callbacks to end).
/// </summary>
public interface IExecutorDriver
{
    /// <summary>Subscribes to the agent in the background; <see cref="ExecutorDriverStatus.Running"/> unless the driver was started before.</summary>
    ExecutorDriverStatus Start();

    /// <summary>Ends the driver; calls already queued are still sent (for at most the shutdown grace period).</summary>
    ExecutorDriverStatus Stop();

    /// <summary>Ends the driver at once: no more callbacks, queued calls are dropped.</summary>
    ExecutorDriverStatus Abort();

    /// <summary>Waits until the driver ended and returns how (<see cref="ExecutorDriverStatus.Stopped"/> or <see cref="ExecutorDriverStatus.Aborted"/>).</summary>
    ExecutorDriverStatus Join();

    /// <summary><see cref="Start"/> then <see cref="Join"/>.</summary>
    ExecutorDriverStatus Run();

    /// <summary>
    /// Sends a task's status. The driver sets a fresh 16-byte uuid, the source (SOURCE_EXECUTOR), the
    /// executor id and the timestamp, and keeps the update until the agent ACKNOWLEDGED it (re-sending
    /// it when subscribing again). TASK_STAGING is refused: an error, and the driver aborts (as in Mesos).
    /// </summary>
    ExecutorDriverStatus SendStatusUpdate(TaskStatus status);

    /// <summary>Sends bytes to the framework's scheduler; dropped while disconnected (as in Mesos).</summary>
    ExecutorDriverStatus SendFrameworkMessage(byte[] data);
}
