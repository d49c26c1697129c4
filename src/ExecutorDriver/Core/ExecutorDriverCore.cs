using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Http.V1;
using TaskStatus = Mesos.HA.Protocol.Http.V1.TaskStatus;

namespace Mesos.HA.ExecutorDriver.Core;

/// <summary>
/// The executor driver's decisions, free of I/O and clocks: it takes the agent's events, the
/// executor's calls and the stream's breaks (with the time now, where it matters) and returns the
/// calls to send and the callbacks to make. It holds what a re-subscription must carry: the tasks
/// launched with no update sent yet, and the updates the agent has not ACKNOWLEDGED, in the order sent.
/// Not thread-safe: the shell calls it under one lock.
/// </summary>
internal sealed class ExecutorDriverCore(string frameworkId, string executorId, bool checkpoint)
{
    /// <summary>Updates kept for the agent at most; beyond it updates are refused (an executor flooding a lost agent).</summary>
    public const int MaxUnacknowledgedUpdates = 10_000;

    public const string SourceExecutor = "SOURCE_EXECUTOR";
    public const string TaskStaging = "TASK_STAGING";

    private readonly SortedDictionary<string, TaskInfo> unacknowledgedTasks = new(StringComparer.Ordinal);
    private readonly List<ExecutorUpdateCall> unacknowledgedUpdates = [];
    private bool everSubscribed;

    /// <summary>A <see cref="ExecutorCallback.Finish"/> was decided: nothing more is decided after it.</summary>
    public bool Ending { get; private set; }

    // Updates are still taken after a SHUTDOWN (the executor reports its tasks' ends), but not after an abort.
    private bool abortDecided;

    /// <summary>Subscribed, and the stream has not broken since.</summary>
    public bool Connected { get; private set; }

    /// <summary>When the agent's last HEARTBEAT arrived (nothing acts on it yet; it tells a watcher the stream is alive).</summary>
    public DateTimeOffset? LastHeartbeatAt { get; private set; }

    /// <summary>Tasks launched and not yet given an update, by task id.</summary>
    public IReadOnlyList<TaskInfo> UnacknowledgedTasks => [.. unacknowledgedTasks.Values];

    /// <summary>Updates sent and not yet ACKNOWLEDGED, oldest first.</summary>
    public IReadOnlyList<ExecutorUpdateCall> UnacknowledgedUpdates => [.. unacknowledgedUpdates];

    /// <summary>The uuids of the updates the last SUBSCRIBE made carried; null once its stream is up and the rest taken.</summary>
    private HashSet<string>? carried;

    /// <summary>The SUBSCRIBE to send now: carrying whatever is unacknowledged.</summary>
    public ExecutorCall Subscribe()
    {
        carried = new HashSet<string>(unacknowledgedUpdates.Select(update => update.Status?.Uuid ?? ""), StringComparer.Ordinal);
        return Call(ExecutorCall.SubscribeType) with
        {
            Subscribe = new ExecutorSubscribeCall
            {
                UnacknowledgedTasks = [.. unacknowledgedTasks.Values],
                UnacknowledgedUpdates = [.. unacknowledgedUpdates],
            },
        };
    }

    /// <summary>
    /// Once SUBSCRIBED: the UPDATE calls to post for updates sent while that SUBSCRIBE was on its way. They
    /// were made after it was written, so it does not carry them, and before the stream was up, so they were
    /// not posted either; without this they would wait for the next subscription, which may never come.
    /// </summary>
    public IReadOnlyList<ExecutorCall> TakeUpdatesMadeWhileSubscribing()
    {
        if (!Connected || carried is not { } subscribedWith) return [];
        carried = null;
        return [.. unacknowledgedUpdates.Where(update => !subscribedWith.Contains(update.Status?.Uuid ?? ""))
            .Select(update => Call(ExecutorCall.UpdateType) with { Update = update })];
    }

    /// <summary>An event of the stream; unknown and malformed events are dropped.</summary>
    public IReadOnlyList<ExecutorCallback> Handle(ExecutorEvent e, DateTimeOffset now) => Ended(Decide(e, now));

    private IReadOnlyList<ExecutorCallback> Decide(ExecutorEvent e, DateTimeOffset now)
    {
        if (Ending) return [];
        switch (e.Type)
        {
            case ExecutorEvent.SubscribedType:
                return Subscribed(e.Subscribed ?? new ExecutorSubscribedEvent());
            case ExecutorEvent.LaunchType when e.Launch?.Task is { TaskId.Value: { } taskId } task:
                unacknowledgedTasks[taskId] = task;
                return [new ExecutorCallback.LaunchTask(task)];
            case ExecutorEvent.KillType when e.Kill?.TaskId?.Value is { } taskId:
                return [new ExecutorCallback.KillTask(new TaskId(taskId))];
            case ExecutorEvent.AcknowledgedType when e.Acknowledged?.Uuid is { } uuid:
                unacknowledgedUpdates.RemoveAll(update => update.Status?.Uuid == uuid);
                return [];
            case ExecutorEvent.MessageType:
                return FrameworkMessage(e.Message?.Data);
            case ExecutorEvent.ErrorType:
                return [new ExecutorCallback.Error(e.Error?.Message ?? "the agent sent an ERROR without a message")];
            case ExecutorEvent.ShutdownType:
                return [new ExecutorCallback.Shutdown(), new ExecutorCallback.Finish(ExecutorDriverStatus.Stopped)];
            case ExecutorEvent.HeartbeatType:
                LastHeartbeatAt = now;
                return [];
            default:
                return [];
        }
    }

    private IReadOnlyList<ExecutorCallback> Subscribed(ExecutorSubscribedEvent subscribed)
    {
        Connected = true;
        var agent = subscribed.AgentInfo ?? new ExecutorAgentInfo();
        if (everSubscribed) return [new ExecutorCallback.Reregistered(agent)];
        everSubscribed = true;
        return [new ExecutorCallback.Registered(subscribed.ExecutorInfo ?? new ExecutorInfo(), subscribed.FrameworkInfo ?? new FrameworkInfo(), agent)];
    }

    private static IReadOnlyList<ExecutorCallback> FrameworkMessage(string? data)
    {
        var bytes = new byte[((data?.Length ?? 0) + 3) / 4 * 3];
        if (!Convert.TryFromBase64String(data ?? "", bytes, out var length))
            return [new ExecutorCallback.Error("the agent sent a MESSAGE whose data is not base64")];
        return [new ExecutorCallback.FrameworkMessage(bytes[..length])];
    }

    /// <summary>
    /// The executor sends <paramref name="status"/>: stamped with <paramref name="uuid"/> (16 bytes),
    /// SOURCE_EXECUTOR, this executor and <paramref name="now"/>, and kept until acknowledged. It is to be
    /// posted at once only while connected (otherwise the next SUBSCRIBE carries it).
    /// </summary>
    public UpdateOutcome SendStatusUpdate(TaskStatus status, ReadOnlySpan<byte> uuid, DateTimeOffset now)
    {
        if (uuid.Length != 16) throw new ArgumentException("an update's uuid has 16 bytes", nameof(uuid));
        if (abortDecided) return UpdateOutcome.Refused();
        if (status.State == TaskStaging)
        {
            Ending = abortDecided = true;
            return UpdateOutcome.Refused(new ExecutorCallback.Error("an executor may not send TASK_STAGING; aborting"),
                new ExecutorCallback.Finish(ExecutorDriverStatus.Aborted));
        }
        if (status.TaskId?.Value is not { } taskId)
            return UpdateOutcome.Refused(new ExecutorCallback.Error("a status update without a task_id was not sent"));
        if (unacknowledgedUpdates.Count >= MaxUnacknowledgedUpdates)
            return UpdateOutcome.Refused(new ExecutorCallback.Error(
                $"{MaxUnacknowledgedUpdates} updates wait for the agent's acknowledgement; the update of {taskId} was not sent"));
        var update = new ExecutorUpdateCall
        {
            Status = status with
            {
                Uuid = Convert.ToBase64String(uuid),
                Source = SourceExecutor,
                ExecutorId = Id.Of(executorId),
                Timestamp = now.ToUnixTimeMilliseconds() / 1000.0,
            },
        };
        unacknowledgedTasks.Remove(taskId);
        unacknowledgedUpdates.Add(update);
        return new UpdateOutcome(Connected ? Call(ExecutorCall.UpdateType) with { Update = update } : null, []);
    }

    /// <summary>The MESSAGE call to post, or null while disconnected (then the message is dropped, as in Mesos).</summary>
    public ExecutorCall? SendFrameworkMessage(byte[] data) =>
        Connected ? Call(ExecutorCall.MessageType) with { Message = new ExecutorMessageCall { Data = Convert.ToBase64String(data) } } : null;

    /// <summary>
    /// The stream ended or broke (or a call could not reach the agent). Without checkpointing the
    /// executor shuts down; with it, the shell subscribes again until the recovery timeout.
    /// </summary>
    public IReadOnlyList<ExecutorCallback> StreamBroken()
    {
        if (!Connected || Ending) return [];
        Connected = false;
        if (checkpoint) return [new ExecutorCallback.Disconnected()];
        return Ended([new ExecutorCallback.Disconnected(), new ExecutorCallback.Shutdown(), new ExecutorCallback.Finish(ExecutorDriverStatus.Aborted)]);
    }

    /// <summary>No subscription succeeded within the recovery timeout: the agent is gone for good.</summary>
    public IReadOnlyList<ExecutorCallback> RecoveryTimedOut() =>
        Ending ? [] : Ended([new ExecutorCallback.Shutdown(), new ExecutorCallback.Finish(ExecutorDriverStatus.Aborted)]);

    private IReadOnlyList<ExecutorCallback> Ended(IReadOnlyList<ExecutorCallback> decided)
    {
        if (decided.Any(callback => callback is ExecutorCallback.Finish)) Ending = true;
        return decided;
    }

    private ExecutorCall Call(string type) => new() { Type = type, FrameworkId = Id.Of(frameworkId), ExecutorId = Id.Of(executorId) };
}
