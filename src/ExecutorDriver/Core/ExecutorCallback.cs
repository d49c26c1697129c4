using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.ExecutorDriver.Core;

/// <summary>A call of <see cref="IExecutor"/> the core decided on, as data: the shell delivers them one at a time, in order.</summary>
internal abstract record ExecutorCallback
{
    public sealed record Registered(ExecutorInfo ExecutorInfo, FrameworkInfo FrameworkInfo, ExecutorAgentInfo AgentInfo) : ExecutorCallback;

    public sealed record Reregistered(ExecutorAgentInfo AgentInfo) : ExecutorCallback;

    public sealed record Disconnected : ExecutorCallback;

    public sealed record LaunchTask(TaskInfo Task) : ExecutorCallback;

    public sealed record KillTask(TaskId TaskId) : ExecutorCallback;

    public sealed record FrameworkMessage(byte[] Data) : ExecutorCallback;

    public sealed record Shutdown : ExecutorCallback;

    public sealed record Error(string Message) : ExecutorCallback;

    /// <summary>Not a callback: the driver ends here, after the callbacks before it were delivered.</summary>
    public sealed record Finish(ExecutorDriverStatus Status) : ExecutorCallback;
}
