using Mesos.HA.Agent.Tasks;
using Mesos.HA.Agent.Updates;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Agent;

/// <summary>The status update manager: checkpoint, send, resend with backoff until acknowledged, in order per task.</summary>
public sealed partial class AgentService
{
    /// <summary>A task changed state: the update is on disk before anyone hears of it.</summary>
    private void Report(TaskRun run, TaskState state, string message, string reason, TaskProcess? process = null)
    {
        var update = new StatusUpdate(run.Framework, run.Task, state, Guid.NewGuid(), message, reason, time.GetUtcNow().ToUnixTimeMilliseconds());
        // The run's own lock orders its appends; the agent-wide lock is not held across the disk flush.
        lock (run.Log)
        {
            lock (gate)
                if (run.State.IsTerminal()) return; // a task ends once
            run.Log.Append(new UpdateLogRecord(update, null, process?.ToString()));
            lock (gate)
            {
                run.Updates.Add(update);
                run.State = state;
            }
        }
        WakeUpdates();
    }

    private void Acknowledge(FrameworkId framework, TaskId task, Guid uuid)
    {
        TaskRun? run;
        bool completed;
        lock (gate)
        {
            runs.TryGetValue((framework, task), out run);
            if (run is null)
            {
                LogAckUnknown(logger, uuid, task.Value, framework.Value);
                return;
            }
            var outcome = run.Updates.Acknowledge(uuid, time.GetUtcNow());
            if (outcome != AckOutcome.Accepted)
            {
                if (outcome == AckOutcome.Unexpected) LogAckUnknown(logger, uuid, task.Value, framework.Value);
                return;
            }
            completed = run.Updates.Completed;
            if (completed) runs.Remove((framework, task));
        }
        lock (run.Log)
        {
            run.Log.Append(new UpdateLogRecord(null, uuid), durable: false);
            if (completed)
            {
                // A hint for recovery and garbage collection; the log itself says the run is complete.
                File.WriteAllBytes(Path.Combine(run.Meta, TaskRun.CompletedFile), []);
                run.Log.Dispose();
            }
        }
        WakeUpdates();
    }

    private void WakeUpdates()
    {
        try { updatesWanted.Release(); }
        catch (SemaphoreFullException) { /* already awake */ }
    }

    /// <summary>Sends each task's head update when it is due, while registered with a leader.</summary>
    private async Task DeliverUpdatesAsync(CancellationToken token)
    {
        var tick = TimeSpan.FromMilliseconds(100);
        while (!token.IsCancellationRequested)
        {
            try
            {
                await WokenOrTickAsync(tick, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (!link.Registered) continue;
            var now = time.GetUtcNow();
            lock (gate)
            {
                foreach (var run in runs.Values)
                {
                    if (run.Updates.Head is not { } head || run.Updates.DueAt > now) continue;
                    if (!link.TrySend(head)) break; // connection lost: everything goes again to the next leader
                    run.Updates.Sent(now);
                }
            }
        }
    }

    /// <summary>Returns when an update is wanted (<see cref="WakeUpdates"/>) or <paramref name="tick"/> has passed on the agent's clock.</summary>
    private async Task WokenOrTickAsync(TimeSpan tick, CancellationToken token)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(token);
        var woken = updatesWanted.WaitAsync(either.Token);
        var ticked = Task.Delay(tick, time, either.Token);
        await Task.WhenAny(woken, ticked).ConfigureAwait(false);
        await either.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(woken, ticked).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        token.ThrowIfCancellationRequested();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring acknowledgement {Uuid} for task {Task} of framework {Framework}: no such update is waiting")]
    private static partial void LogAckUnknown(ILogger logger, Guid uuid, string task, string framework);
}
