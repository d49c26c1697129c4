using Mesos.HA.ExecutorDriver.Core;
using Mesos.HA.Protocol.Http.V1;
using TaskStatus = Mesos.HA.Protocol.Http.V1.TaskStatus;

namespace Mesos.HA.ExecutorDriver;

public sealed partial class MesosExecutorDriver
{
    public ExecutorDriverStatus SendStatusUpdate(TaskStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        UpdateOutcome outcome;
        int on;
        lock (gate)
        {
            if (this.status != ExecutorDriverStatus.Running) return this.status;
            outcome = core.SendStatusUpdate(status, Guid.NewGuid().ToByteArray(), settings.Time.GetUtcNow());
            on = subscription;
        }
        Queue(outcome.Callbacks);
        if (outcome.Post is { } call) Post(call, on);
        return outcome.Callbacks.OfType<ExecutorCallback.Finish>().FirstOrDefault()?.Status ?? Status;
    }

    public ExecutorDriverStatus SendFrameworkMessage(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        ExecutorCall? call;
        int on;
        lock (gate)
        {
            if (status != ExecutorDriverStatus.Running) return status;
            call = core.SendFrameworkMessage(data);
            on = subscription;
        }
        if (call is null) Log.MessageDropped(logger, settings.ExecutorId);
        else Post(call, on);
        return Status;
    }

    private void Post(ExecutorCall call, int on)
    {
        if (!calls.Writer.TryWrite(new OutgoingCall(call, on)))
            Queue([new ExecutorCallback.Error($"{settings.MaxQueued} calls wait to be sent; {call.Type} was not sent (an update is sent again on the next subscription)")]);
    }

    /// <summary>
    /// The one sender: posts calls in the order made. A refusal (400, 403) is reported through
    /// <see cref="IExecutor.Error"/>; a call that cannot reach the agent breaks the subscription.
    /// </summary>
    private async Task SendCallsAsync()
    {
        await foreach (var outgoing in calls.Reader.ReadAllAsync(sending.Token).ConfigureAwait(false))
        {
            lock (gate)
                if (outgoing.Subscription != subscription)
                    continue;
            using var timeout = new CancellationTokenSource(settings.CallTimeout, settings.Time);
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(sending.Token, timeout.Token);
            try
            {
                await agent.PostAsync(outgoing.Call, attempt.Token).ConfigureAwait(false);
            }
            catch (AgentCallException refused)
            {
                Log.CallRefused(logger, settings.ExecutorId, refused.Message);
                Queue([new ExecutorCallback.Error(refused.Message)]);
            }
            catch (Exception e) when (e is HttpRequestException or IOException
                                          || (e is OperationCanceledException && !sending.IsCancellationRequested))
            {
                Log.CallFailed(logger, settings.ExecutorId, outgoing.Call.Type ?? "", e.Message);
                BreakSubscription(outgoing.Subscription);
            }
        }
    }
}
