using Mesos.HA.ExecutorDriver.Core;

namespace Mesos.HA.ExecutorDriver;

public sealed partial class MesosExecutorDriver
{
    /// <summary>The only caller of the executor: one callback at a time, in the order queued; none after the driver finished.</summary>
    private async Task DeliverCallbacksAsync()
    {
        await foreach (var callback in callbacks.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (Status != ExecutorDriverStatus.Running) continue; // finished: drain without delivering
            if (callback is ExecutorCallback.Finish finish)
            {
                Finish(finish.Status);
                continue;
            }
            try
            {
                Deliver(callback);
            }
            catch (Exception e)
            {
                Log.CallbackFailed(logger, settings.ExecutorId, callback.GetType().Name, e);
                failure ??= e;
                Finish(ExecutorDriverStatus.Aborted);
            }
        }
    }

    private void Deliver(ExecutorCallback callback)
    {
        switch (callback)
        {
            case ExecutorCallback.Registered r: executor.Registered(this, r.ExecutorInfo, r.FrameworkInfo, r.AgentInfo); break;
            case ExecutorCallback.Reregistered r: executor.Reregistered(this, r.AgentInfo); break;
            case ExecutorCallback.Disconnected: executor.Disconnected(this); break;
            case ExecutorCallback.LaunchTask launch: executor.LaunchTask(this, launch.Task); break;
            case ExecutorCallback.KillTask kill: executor.KillTask(this, kill.TaskId); break;
            case ExecutorCallback.FrameworkMessage message: executor.FrameworkMessage(this, message.Data); break;
            case ExecutorCallback.Shutdown: executor.Shutdown(this); break;
            case ExecutorCallback.Error error: executor.Error(this, error.Message); break;
            default: throw new InvalidOperationException($"no delivery for {callback.GetType().Name}");
        }
    }

    /// <summary>Queues callbacks from the subscription loop, waiting while the queue is full.</summary>
    private async Task QueueAsync(IReadOnlyList<ExecutorCallback> decided)
    {
        try
        {
            foreach (var callback in decided) await callbacks.Writer.WriteAsync(callback, stopping.Token).ConfigureAwait(false);
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            // The driver finished: nothing more is delivered.
        }
    }

    /// <summary>Queues callbacks from any thread without waiting; an error that finds the queue full is only logged, an ending still ends the driver.</summary>
    private void Queue(IReadOnlyList<ExecutorCallback> decided)
    {
        foreach (var callback in decided)
        {
            if (callbacks.Writer.TryWrite(callback)) continue;
            if (callback is ExecutorCallback.Finish finish) Finish(finish.Status);
            else if (callback is ExecutorCallback.Error error) Log.ErrorNotDelivered(logger, settings.ExecutorId, error.Message);
        }
    }
}
