using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.ExecutorDriver.Core;

/// <summary>A call of <see cref="IExecutor"/> the core decided on, as data: the shell delivers them one at a time, in order.</summary>
internal abstract record ExecutorCallback
{
    public abstract void Deliver(IExecutor executor, IExecutorDriver driver);

    public sealed record Registered(ExecutorInfo ExecutorInfo, FrameworkInfo FrameworkInfo, ExecutorAgentInfo AgentInfo) : ExecutorCallback
    {
        public override void Deliver(IExecutor executor, IExecutorDriver driver) => executor.Registered(driver, ExecutorInfo, FrameworkInfo, AgentInfo);
    }

    public sealed record Reregistered(ExecutorAgentInfo AgentInfo) : ExecutorCallback
    {
        public override void Deliver(IExecutor executor, IExecutorDriver driver) => executor.Reregistered(driver, AgentInfo);
    }

    public sealed record Disconnected : ExecutorCallback
    {
        public override void Deliver(IExecutor executor, IExecutorDriver driver) => executor.Disconnected(driver);
    }

    public sealed record LaunchTask(TaskInfo Task) : ExecutorCallback
    {
        public override void Deliver(IExecutor executor, IExecutorDriver driver) => executor.LaunchTask(driver, Task);
    }

    public sealed record KillTask(TaskId TaskId) : ExecutorCallback
    {
        public override void Deliver(IExecutor executor, IExecutorDriver driver) => executor.KillTask(driver, TaskId);
    }

    public sealed record FrameworkMessage(byte[] Data) : ExecutorCallback
    {
        public override void Deliver(IExecutor executor, IExecutorDriver driver) => executor.FrameworkMessage(driver, Data);
    }

    public sealed record Shutdown : ExecutorCallback
    {
        public override void Deliver(IExecutor executor, IExecutorDriver driver) => executor.Shutdown(driver);
    }

    public sealed record Error(string Message) : ExecutorCallback
    {
        public override void Deliver(IExecutor executor, IExecutorDriver driver) => executor.Error(driver, Message);
    }

    /// <summary>Not a callback: the driver ends here, after the callbacks before it were delivered.</summary>
    public sealed record Finish(ExecutorDriverStatus Status) : ExecutorCallback
    {
        public override void Deliver(IExecutor executor, IExecutorDriver driver) { }
    }
}
