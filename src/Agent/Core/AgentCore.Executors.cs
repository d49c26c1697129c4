using Mesos.HA.Agent.Tasks;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Agent.Core;

/// <summary>
/// Custom executors: started by the first task that names them, given their tasks once they
/// subscribe (tasks arriving before wait in a queue), their updates checkpointed and acknowledged
/// like the command executor's, framework messages both ways, a registration deadline, shutdown with
/// a grace period, and the end of their process ending their tasks.
/// </summary>
public sealed partial class AgentCore
{
    private readonly Dictionary<ExecutorKey, CoreExecutor> executors = [];

    /// <summary>The executors running here, for status pages and tests.</summary>
    public IReadOnlyList<ExecutorView> Executors() =>
        [.. executors.Values.Select(e => new ExecutorView(e.Key, e.Stream is not null, TasksOf(e).Count(), e.Queued.Count, e.Process))];

    /// <summary>A task for a custom executor: the executor is started if it does not run yet, and gets the task once subscribed.</summary>
    private void LaunchWithExecutor(RunTask spec, ExecutorSpec wanted, DateTimeOffset now)
    {
        var key = new ExecutorKey(spec.Framework, wanted.Id);
        if (!executors.TryGetValue(key, out var executor))
        {
            if (!ResourceText.TryParse(wanted.Resources, out var resources, out var error))
            {
                Emit(new Noted(AgentNote.BadLaunch, spec.Task.Value, spec.Framework.Value, $"executor {wanted.Id}: {error}"));
                return;
            }
            var checkpoint = new ExecutorCheckpoint(spec.Framework, spec.Role, wanted, newId().ToString("N"), now.ToUnixTimeMilliseconds())
            {
                FrameworkInfo = spec.FrameworkInfo,
            };
            executor = new CoreExecutor(checkpoint) { RegistrationDeadline = now + options.ExecutorRegistrationTimeout };
            executors[key] = executor;
            Emit(new CreateExecutorRun(info!.Id, key, checkpoint));
            Emit(new StartExecutor(info.Id, key, checkpoint, resources));
        }
        var run = CreateTaskRun(spec, now);
        if (executor.ShuttingDown)
            Report(run, TaskState.Failed, $"executor {wanted.Id} is shutting down", "REASON_EXECUTOR_TERMINATED", now);
        else if (executor.Stream is { } stream)
            Emit(new SendToExecutor(stream, new LaunchOut(spec, info!.Id)));
        else
            executor.Queued.Add(spec.Task);
    }

    /// <summary>An executor that ran before the agent restarted: it has the re-registration timeout to subscribe again.</summary>
    private void RecoverExecutor(RecoveredExecutor recovered, DateTimeOffset now)
    {
        var executor = new CoreExecutor(recovered.Checkpoint)
        {
            Process = recovered.Process,
            Recovering = true,
            RegistrationDeadline = now + options.ExecutorReregistrationTimeout,
        };
        executors[executor.Key] = executor;
        Emit(new WatchExecutor(info!.Id, executor.Key, recovered.Checkpoint.RunId, recovered.Process));
    }

    /// <summary>A recovered task of a custom executor lives and dies with its executor; without one it is lost.</summary>
    private void RecoverExecutorTask(CoreRun run, ExecutorSpec spec, DateTimeOffset now)
    {
        // With its executor it waits for the executor to subscribe again (a kill asked for is then sent again).
        if (!executors.ContainsKey(new ExecutorKey(run.Key.Framework, spec.Id)))
            Report(run, TaskState.Lost, $"executor {spec.Id} is gone", "REASON_EXECUTOR_TERMINATED", now);
    }

    private void OnExecutorStarted(ExecutorStarted started)
    {
        if (FindExecutor(started.Executor, started.RunId) is { } executor) executor.Process = started.Process;
    }

    /// <summary>The executor never ran: its tasks fail, and the master releases its resources.</summary>
    private void OnExecutorLaunchFailed(ExecutorLaunchFailed failed, DateTimeOffset now)
    {
        if (FindExecutor(failed.Executor, failed.RunId) is not { } executor) return;
        Emit(new Noted(AgentNote.LaunchFailed, failed.Executor.Executor, failed.Executor.Framework.Value, failed.Error));
        EndExecutor(executor, null, $"could not launch the executor: {failed.Error}", now);
    }

    private void OnExecutorExited(ExecutorProcessExited exited, DateTimeOffset now)
    {
        if (FindExecutor(exited.Executor, exited.RunId) is not { } executor) return;
        var how = exited.ExitCode is { } code ? $"exited with status {code}" : "was killed";
        EndExecutor(executor, exited.ExitCode, $"Executor {exited.Executor.Executor} {how}", now);
    }

    /// <summary>The executor is gone: its stream closes, what is left of it is released, its live tasks end, the master hears of it.</summary>
    private void EndExecutor(CoreExecutor executor, int? exitCode, string message, DateTimeOffset now)
    {
        executors.Remove(executor.Key);
        if (executor.Stream is { } stream) Emit(new CloseExecutorStream(stream));
        Emit(new ReleaseExecutor(info!.Id, executor.Key, executor.Checkpoint.RunId, executor.Process));
        var (state, reason) = (executor.TimedOut, executor.Recovering) switch
        {
            (true, true) => (TaskState.Lost, "REASON_EXECUTOR_REREGISTRATION_TIMEOUT"),
            (true, false) => (TaskState.Failed, "REASON_EXECUTOR_REGISTRATION_TIMEOUT"),
            _ => (TaskState.Failed, "REASON_EXECUTOR_TERMINATED"),
        };
        foreach (var run in TasksOf(executor).ToArray())
        {
            if (run.KillRequested) Report(run, TaskState.Killed, message, "REASON_TASK_KILLED", now);
            else Report(run, state, executor.TimedOut ? executor.TimeoutMessage : message, reason, now);
        }
        Emit(new SendToMaster(new ExecutorExited(executor.Key.Framework, executor.Key.Executor, exitCode ?? -1)));
    }

    private void OnExecutorCall(ExecutorCallReceived call, DateTimeOffset now)
    {
        if (!executors.TryGetValue(call.Executor, out var executor))
        {
            Answer(call, 400, $"unknown executor {call.Executor.Executor} of framework {call.Executor.Framework}");
            return;
        }
        if (call.AuthenticatedRun is { } authenticated && authenticated != executor.Checkpoint.RunId)
        {
            Answer(call, 403, $"the token is for another run of executor {call.Executor.Executor}");
            return;
        }
        if (call.Body is SubscribeBody subscribe)
        {
            Subscribe(executor, call, subscribe, now);
            return;
        }
        if (executor.Stream is null)
        {
            Answer(call, 403, "not subscribed: SUBSCRIBE first");
            return;
        }
        switch (call.Body)
        {
            case UpdateBody { Update: var update }:
                ExecutorUpdate(executor, call, update, now);
                break;
            case MessageBody { Data: var data }:
                Answer(call, 202);
                Emit(new SendToMaster(new ExecutorToFramework(executor.Key.Framework, executor.Key.Executor, data)));
                break;
            default:
                Answer(call, 202);
                break;
        }
    }

    /// <summary>The executor subscribes (again): a newer stream replaces an older one; queued tasks follow SUBSCRIBED.</summary>
    private void Subscribe(CoreExecutor executor, ExecutorCallReceived call, SubscribeBody subscribe, DateTimeOffset now)
    {
        if (executor.ShuttingDown)
        {
            Answer(call, 403, $"executor {executor.Key.Executor} is shutting down");
            return;
        }
        if (executor.Stream is { } old) Emit(new CloseExecutorStream(old));
        executor.Stream = call.CallId;
        executor.RegistrationDeadline = null;
        var everSubscribed = executor.EverSubscribed || executor.Recovering;
        executor.EverSubscribed = true;
        executor.Recovering = false;
        Answer(call, 200);
        Emit(new SendToExecutor(call.CallId, new SubscribedOut(executor.Checkpoint, info!)));
        // Updates it sent that we may not have recorded (the agent restarted before it answered).
        foreach (var update in subscribe.UnacknowledgedUpdates)
            if (runs.TryGetValue((executor.Key.Framework, update.Task), out var run) && Runs(executor, run))
                RecordExecutorUpdate(executor, run, update, now);
        if (everSubscribed) GiveUnknownTasksAgain(executor, call.CallId, subscribe.UnacknowledgedTasks, now);
        foreach (var task in executor.Queued)
            if (runs.TryGetValue((executor.Key.Framework, task), out var run))
                Emit(new SendToExecutor(call.CallId, new LaunchOut(run.Checkpoint.Task, info!.Id)));
        executor.Queued.Clear();
        // Kills asked for while it was away (or before the agent restarted) go again: the executor may not have heard them.
        if (everSubscribed)
            foreach (var run in TasksOf(executor).Where(r => r.KillRequested && !r.State.IsTerminal()))
                Emit(new SendToExecutor(call.CallId, new KillOut(run.Key.Task, run.KillGrace)));
    }

    /// <summary>
    /// A task given to the executor on an earlier stream that is still STAGING here and that the executor
    /// does not name among its unacknowledged tasks never reached it (the stream broke, or the agent died,
    /// with the LAUNCH unsent): it is given again, or, if a kill was asked for meanwhile, ends KILLED. Every
    /// update the executor sent for a task it received moved the task out of STAGING here (those the
    /// SUBSCRIBE carries are recorded first), so a task is never given twice. Mesos marks such a task
    /// TASK_LOST, as it keeps no TaskInfo; the agent here checkpointed the task and can give it again.
    /// </summary>
    private void GiveUnknownTasksAgain(CoreExecutor executor, long stream, IReadOnlyList<TaskId> known, DateTimeOffset now)
    {
        var knownTasks = known.ToHashSet();
        foreach (var run in TasksOf(executor).ToArray())
        {
            if (run.State != TaskState.Staging || knownTasks.Contains(run.Key.Task) || executor.Queued.Contains(run.Key.Task)) continue;
            if (run.KillRequested)
                Report(run, TaskState.Killed, "killed before the executor received it", "REASON_TASK_KILLED_DURING_LAUNCH", now);
            else
                Emit(new SendToExecutor(stream, new LaunchOut(run.Checkpoint.Task, info!.Id)));
        }
    }

    private void ExecutorUpdate(CoreExecutor executor, ExecutorCallReceived call, StatusUpdate update, DateTimeOffset now)
    {
        if (!runs.TryGetValue((executor.Key.Framework, update.Task), out var run) || !Runs(executor, run))
        {
            Answer(call, 400, $"unknown task {update.Task} of executor {executor.Key.Executor}");
            return;
        }
        if (update.State == TaskState.Staging)
        {
            Answer(call, 400, "an executor may not send TASK_STAGING");
            return;
        }
        Answer(call, 202);
        RecordExecutorUpdate(executor, run, update, now);
    }

    /// <summary>Checkpointed, then ACKNOWLEDGED to the executor, then forwarded; a resent or late one is only acknowledged again.</summary>
    private void RecordExecutorUpdate(CoreExecutor executor, CoreRun run, StatusUpdate update, DateTimeOffset now)
    {
        if (!run.Updates.Seen(update.Uuid) && !run.State.IsTerminal())
        {
            var details = (update.Details ?? new UpdateDetails()) with { Executor = executor.Key.Executor, Source = "SOURCE_EXECUTOR" };
            var stamped = update with { Framework = executor.Key.Framework, TimestampMs = now.ToUnixTimeMilliseconds(), Details = details };
            Record(run, stamped, now);
        }
        if (executor.Stream is { } stream) Emit(new SendToExecutor(stream, new AcknowledgedOut(update.Task, update.Uuid)));
    }

    private void OnExecutorStreamClosed(ExecutorStreamClosed closed)
    {
        if (executors.TryGetValue(closed.Executor, out var executor) && executor.Stream == closed.Stream) executor.Stream = null;
    }

    /// <summary>A kill of an executor's task: dropped from the queue if it was never delivered, else the executor is told.</summary>
    private void KillExecutorTask(CoreRun run, ExecutorKey key, TimeSpan grace, DateTimeOffset now)
    {
        if (!executors.TryGetValue(key, out var executor)) return;
        if (executor.Queued.Remove(run.Key.Task))
            Report(run, TaskState.Killed, "killed before the executor subscribed", "REASON_TASK_KILLED_DURING_LAUNCH", now);
        else if (executor.Stream is { } stream)
            Emit(new SendToExecutor(stream, new KillOut(run.Key.Task, grace)));
    }

    private void MessageForExecutor(FrameworkToExecutor message)
    {
        if (executors.TryGetValue(new ExecutorKey(message.Framework, message.Executor), out var executor) && executor.Stream is { } stream)
            Emit(new SendToExecutor(stream, new MessageOut(message.Data)));
        else
            Emit(new Noted(AgentNote.MessageDropped, message.Executor, message.Framework.Value, message.Data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>SHUTDOWN to the executor, SIGKILL to its process group after the grace period; tasks still queued are killed.</summary>
    private void ShutdownExecutor(ExecutorKey key, DateTimeOffset now)
    {
        if (!executors.TryGetValue(key, out var executor) || executor.ShuttingDown) return;
        executor.ShuttingDown = true;
        foreach (var task in executor.Queued)
            if (runs.TryGetValue((key.Framework, task), out var run))
                Report(run, TaskState.Killed, "the executor was shut down before it subscribed", "REASON_EXECUTOR_TERMINATED", now);
        executor.Queued.Clear();
        if (executor.Stream is { } stream) Emit(new SendToExecutor(stream, new ShutdownOut()));
        if (executor.Process is { } process) Emit(new EscalateKill(process, options.ExecutorShutdownGracePeriod));
    }

    /// <summary>Executors that did not subscribe in time are killed; their tasks fail with the registration-timeout reason when the process is gone.</summary>
    private void CheckRegistrationDeadlines(DateTimeOffset now)
    {
        foreach (var executor in executors.Values)
        {
            if (executor.RegistrationDeadline is not { } deadline || deadline > now || executor.ShuttingDown) continue;
            executor.RegistrationDeadline = null;
            executor.ShuttingDown = true;
            executor.TimedOut = true;
            // Written as Mesos writes durations; a recovering executor had the re-registration timeout.
            Emit(new Noted(AgentNote.ExecutorTimedOut, executor.Key.Executor, executor.Key.Framework.Value, executor.Recovering
                ? $"{MesosDuration.Format(options.ExecutorReregistrationTimeout)} of the agent's restart"
                : MesosDuration.Format(options.ExecutorRegistrationTimeout)));
            if (executor.Process is { } process) Emit(new SignalProcess(process, ProcessGroup.SigKill));
        }
    }

    private IEnumerable<RunningExecutor> RunningExecutors() =>
        executors.Values.OrderBy(e => e.Key.Framework.Value, StringComparer.Ordinal).ThenBy(e => e.Key.Executor, StringComparer.Ordinal)
            .Select(e => new RunningExecutor(e.Key.Framework, e.Checkpoint.Role, e.Checkpoint.Spec));

    /// <summary>The executor's tasks not yet completed, in launch order.</summary>
    private IEnumerable<CoreRun> TasksOf(CoreExecutor executor) => runs.Values.Where(r => Runs(executor, r));

    private static bool Runs(CoreExecutor executor, CoreRun run) =>
        run.Key.Framework == executor.Key.Framework && run.Checkpoint.Task.Executor?.Id == executor.Key.Executor;

    private CoreExecutor? FindExecutor(ExecutorKey key, string runId) =>
        executors.TryGetValue(key, out var executor) && executor.Checkpoint.RunId == runId ? executor : null;

    private void Answer(ExecutorCallReceived call, int status, string error = "") => Emit(new AnswerExecutorCall(call.CallId, status, error));

    private sealed class CoreExecutor(ExecutorCheckpoint checkpoint)
    {
        public ExecutorCheckpoint Checkpoint { get; } = checkpoint;
        public ExecutorKey Key { get; } = new(checkpoint.Framework, checkpoint.Spec.Id);
        public TaskProcess? Process { get; set; }

        /// <summary>The SUBSCRIBE stream events go to; null while not subscribed.</summary>
        public long? Stream { get; set; }

        public DateTimeOffset? RegistrationDeadline { get; set; }
        public bool ShuttingDown { get; set; }
        public bool TimedOut { get; set; }

        /// <summary>Subscribed once to this run of the agent: tasks not queued were given to it on a stream.</summary>
        public bool EverSubscribed { get; set; }

        /// <summary>Recovered after an agent restart and not yet subscribed again.</summary>
        public bool Recovering { get; set; }
        public string TimeoutMessage => Recovering
            ? $"Executor {Key.Executor} did not subscribe again in time after the agent restarted"
            : $"Executor {Key.Executor} did not subscribe in time";

        /// <summary>Tasks waiting for the executor to subscribe.</summary>
        public List<TaskId> Queued { get; } = [];
    }
}
