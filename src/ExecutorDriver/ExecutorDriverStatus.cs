namespace Mesos.HA.ExecutorDriver;

/// <summary>Where a driver is in its life; Mesos' DRIVER_* status.</summary>
public enum ExecutorDriverStatus
{
    NotStarted,
    Running,

    /// <summary>Ended by <see cref="IExecutorDriver.Abort"/>, a refused call that cannot be recovered from, a failed callback, or the agent lost for good.</summary>
    Aborted,

    /// <summary>Ended by <see cref="IExecutorDriver.Stop"/> or the agent's SHUTDOWN.</summary>
    Stopped,
}
