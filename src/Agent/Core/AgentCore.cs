using Mesos.HA.Agent.Tasks;
using Mesos.HA.Agent.Updates;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Agent.Core;

/// <summary>A run as the core keeps it, for status pages and tests.</summary>
public sealed record RunView(RunKey Key, RunTask Spec, TaskState State, int PendingUpdates, TaskProcess? Process);

/// <summary>
/// The agent's decisions, pure and single-threaded: the runs and their status update streams, what
/// to checkpoint, start, signal and send. Time and fresh ids come from the caller, nothing is read
/// or written here; <see cref="Handle"/> returns the effects in the order the shell must carry them
/// out. The real agent (<see cref="AgentService"/>) and the simulator run this same code.
/// </summary>
public sealed partial class AgentCore(AgentOptions options, Func<Guid> newId)
{
    // Passes over the runs (resends, a shutdown's kills) go in the order the runs were added (with freed
    // slots reused): the same inputs give the same order, whatever the strings' hash codes.
    private readonly Dictionary<(FrameworkId Framework, TaskId Task), CoreRun> runs = [];
    private List<AgentEffect> effects = [];
    private AgentInfo? info;
    private bool registered;
    private bool shuttingDown;
    private bool shutDown;

    /// <summary>The agent's identity once a master registered it (kept across restarts).</summary>
    public AgentInfo? Info => info;

    public bool Registered => registered;

    /// <summary>Runs not yet completed (terminal with every update acknowledged).</summary>
    public IReadOnlyList<RunView> Runs() =>
        [.. runs.Values.Select(r => new RunView(r.Key, r.Checkpoint.Task, r.State, r.Updates.PendingCount, r.Process))];

    // Drawn at the first registration attempt and sent with every attempt until a master names this agent:
    // the id derives from it, so a retried registration is not a second agent.
    private string? registrationToken;

    /// <summary>What the link sends when it connects: a first registration, or a re-registration with our tasks.</summary>
    public AgentMessage Registration()
    {
        if (info is null)
        {
            registrationToken ??= $"{newId():N}{newId():N}";
            return new RegisterAgent(options.Hostname, options.Resources.ToString(), options.Attributes, options.HttpPort, registrationToken);
        }
        var tasks = runs.Values.Where(r => !r.Updates.Completed)
            .OrderBy(r => r.Key.Framework.Value, StringComparer.Ordinal).ThenBy(r => r.Key.Task.Value, StringComparer.Ordinal)
            .Select(r => new RunningTask(r.Key.Framework, r.Key.Task, r.Checkpoint.Task.Role, r.Checkpoint.Task.Resources, r.State, r.Updates.Head?.State))
            .ToArray();
        return new ReregisterAgent(info with { Resources = options.Resources.ToString(), Attributes = options.Attributes }, tasks,
            executors.Count == 0 ? null : [.. RunningExecutors()]);
    }

    /// <summary>Decides what <paramref name="input"/> means at <paramref name="now"/>; the effects, in order.</summary>
    public IReadOnlyList<AgentEffect> Handle(AgentInput input, DateTimeOffset now)
    {
        effects = [];
        switch (input)
        {
            case Recovered recovered:
                Recover(recovered, now);
                break;
            case LinkRegistered linked:
                OnRegistered(linked.Agent, now);
                break;
            case LinkLost:
                registered = false;
                break;
            case FromMaster { Message: var message }:
                OnMessage(message, now);
                break;
            case ProcessStarted started when Find(started.Run) is { } run:
                Started(run, started, now);
                break;
            case LaunchFailed failed when Find(failed.Run) is { } run:
                Note(AgentNote.LaunchFailed, run, failed.Error);
                Report(run, TaskState.Failed, $"could not launch the command: {failed.Error}", "REASON_EXECUTOR_TERMINATED", now);
                break;
            case ProcessExited exited when Find(exited.Run) is { } run:
                Exited(run, exited.ExitCode, now);
                break;
            case HealthDecided decided when Find(decided.Run) is { } run:
                OnHealthDecided(run, decided.Decision, now);
                break;
            case UpdatesDue:
                CheckRegistrationDeadlines(now);
                Deliver(now);
                break;
            case ExecutorCallReceived call:
                OnExecutorCall(call, now);
                break;
            case ExecutorStreamClosed closed:
                OnExecutorStreamClosed(closed);
                break;
            case ExecutorStarted started:
                OnExecutorStarted(started);
                break;
            case ExecutorLaunchFailed failed:
                OnExecutorLaunchFailed(failed, now);
                break;
            case ExecutorProcessExited exited:
                OnExecutorExited(exited, now);
                break;
            case NotSent { Message: StatusUpdate update } when runs.TryGetValue((update.Framework, update.Task), out var run)
                                                             && run.Updates.Head?.Uuid == update.Uuid:
                run.Updates.Reconnected(now); // due again at once; the pass after the link is back sends it
                break;
            case ShutdownDeadlinePassed:
                FinishShutdown(force: true);
                break;
        }
        return effects;
    }

    private void Recover(Recovered recovered, DateTimeOffset now)
    {
        if (recovered.Info is null) return;
        info = recovered.Info;
        foreach (var executor in recovered.Executors ?? []) RecoverExecutor(executor, now);
        var (running, ended) = (0, 0);
        foreach (var checkpointed in recovered.Runs)
        {
            var run = new CoreRun(checkpointed.Checkpoint, new UpdateStream(options.UpdateResendFirst, options.UpdateResendMax));
            TaskProcess? logged = null;
            foreach (var record in checkpointed.Records)
            {
                if (record.Update is { } update && run.Updates.Add(update)) run.State = update.State;
                else if (record.Acknowledged is { } uuid) run.Updates.Acknowledge(uuid, DateTimeOffset.MinValue);
                if (record.Process is { } text) logged = TaskProcess.Parse(text);
            }
            if (run.Updates.Completed)
            {
                Emit(new MarkCompleted(run.Key));
                continue;
            }
            runs[(run.Key.Framework, run.Key.Task)] = run;
            if (run.Updates.Terminal) continue;
            run.KillRequested = checkpointed.KillRequested;
            run.KillGrace = options.KillGracePeriod;
            if (run.Checkpoint.Task.Executor is { } executor)
            {
                RecoverExecutorTask(run, executor, now);
                continue;
            }
            run.Process = logged ?? checkpointed.PidFile;
            ResumeRunning(run, now);
            // Its end, whether it came while the agent was down or comes later, is reported by the watcher.
            Emit(new WatchProcess(info.Id, run.Key, run.Process));
            // A kill under way when the agent stopped: its SIGKILL died with the agent, so the kill starts again.
            if (run.KillRequested && run.Process is { } killing) Signal(killing, run.KillGrace);
            if (run.Process is null) ended++;
            else running++;
        }
        Emit(new Noted(AgentNote.Recovered, "", "", $"{running} tasks with a process to watch, {ended} without"));
    }

    /// <summary>A leader accepted us: remember the id for good, and resend every pending update at once.</summary>
    private void OnRegistered(AgentId id, DateTimeOffset now)
    {
        if (info is null || info.Id != id)
        {
            info = new AgentInfo(id, options.Hostname, $"{options.Hostname}:{options.HttpPort}", options.Resources.ToString(), options.Attributes);
            Emit(new SaveAgentInfo(info));
        }
        registered = true;
        foreach (var run in runs.Values) run.Updates.Reconnected(now);
        Deliver(now);
    }

    private void OnMessage(AgentMessage message, DateTimeOffset now)
    {
        switch (message)
        {
            case RunTask run:
                Launch(run, now);
                break;
            case KillTask kill:
                Kill(kill.Framework, kill.Task, kill.GracePeriodMs > 0 ? TimeSpan.FromMilliseconds(kill.GracePeriodMs) : options.KillGracePeriod, now);
                break;
            case AcknowledgeUpdate ack:
                Acknowledge(ack.Framework, ack.Task, ack.Uuid, now);
                break;
            case FrameworkToExecutor forExecutor:
                MessageForExecutor(forExecutor);
                break;
            case ShutdownExecutor shutdownExecutor:
                ShutdownExecutor(new ExecutorKey(shutdownExecutor.Framework, shutdownExecutor.Executor), now);
                break;
            case ShutdownAgent stop:
                Shutdown(stop.Reason, now);
                break;
            default:
                Emit(new Noted(AgentNote.UnexpectedMessage, "", "", message.GetType().Name));
                break;
        }
    }

    private void Launch(RunTask spec, DateTimeOffset now)
    {
        if (info is null) return; // the link only passes messages once registered
        if (shuttingDown)
        {
            Emit(new Noted(AgentNote.BadLaunch, spec.Task.Value, spec.Framework.Value, "the agent is shutting down"));
            return;
        }
        if (!ResourceText.TryParse(spec.Resources, out var resources, out var error)
            || (spec.Executor is null && string.IsNullOrWhiteSpace(spec.Command)))
        {
            Emit(new Noted(AgentNote.BadLaunch, spec.Task.Value, spec.Framework.Value, error ?? "empty command"));
            return;
        }
        if (runs.ContainsKey((spec.Framework, spec.Task)))
        {
            Emit(new Noted(AgentNote.DuplicateLaunch, spec.Task.Value, spec.Framework.Value, ""));
            return;
        }
        if (spec.Executor is { } executor)
        {
            LaunchWithExecutor(spec, executor, now);
            return;
        }
        var run = CreateTaskRun(spec, now);
        Emit(new StartProcess(info.Id, run.Key, spec, resources));
    }

    /// <summary>A new run of the task, checkpointed (durable) before anything starts it.</summary>
    private CoreRun CreateTaskRun(RunTask spec, DateTimeOffset now)
    {
        var checkpoint = new TaskCheckpoint(spec, newId().ToString("N"), now.ToUnixTimeMilliseconds());
        var run = new CoreRun(checkpoint, new UpdateStream(options.UpdateResendFirst, options.UpdateResendMax));
        runs[(spec.Framework, spec.Task)] = run;
        Emit(new CreateRun(info!.Id, run.Key, checkpoint));
        return run;
    }

    private void Kill(FrameworkId framework, TaskId task, TimeSpan grace, DateTimeOffset now)
    {
        if (!runs.TryGetValue((framework, task), out var run) || run.State.IsTerminal())
        {
            Emit(new Noted(AgentNote.KillUnknown, task.Value, framework.Value, ""));
            return;
        }
        if (!run.KillRequested)
        {
            // Checkpointed first: a restarted agent must report KILLED, not FAILED, for a task it was killing.
            Emit(new MarkKilled(run.Key));
            run.KillRequested = true;
            run.KillGrace = grace;
        }
        if (run.Checkpoint.Task.Executor is { } executor)
        {
            KillExecutorTask(run, new ExecutorKey(framework, executor.Id), grace, now);
            return;
        }
        StopChecking(run); // as Mesos' command executor pauses its checks when asked to kill
        // A repeated kill signals again: the first one's SIGKILL may have died with an earlier run of the agent.
        if (run.Process is not { } process) return; // not started yet: signalled when it starts, or its failure stands
        Signal(process, grace);
    }

    /// <summary>SIGTERM now, SIGKILL for what is left after the grace period.</summary>
    private void Signal(TaskProcess process, TimeSpan grace)
    {
        Emit(new SignalProcess(process, ProcessGroup.SigTerm));
        Emit(new EscalateKill(process, grace));
    }

    /// <summary>The task's process ended: stragglers of its group go, and the terminal state is reported.</summary>
    private void Exited(CoreRun run, int? exitCode, DateTimeOffset now)
    {
        StopChecking(run);
        Emit(new ReleaseRun(run.Key, run.Process));
        var (state, message) = Outcome(run, exitCode);
        Report(run, state, message, state == TaskState.Failed ? "REASON_COMMAND_EXECUTOR_FAILED" : "", now);
    }

    /// <summary>How a run ended: a kill asked for, or the exit code the wrapper recorded.</summary>
    private static (TaskState State, string Message) Outcome(CoreRun run, int? exitCode)
    {
        if (run.KillRequested) return (TaskState.Killed, "Command terminated with signal Terminated");
        return exitCode switch
        {
            0 => (TaskState.Finished, "Command exited with status 0"),
            125 when run.InCgroup => (TaskState.Failed, "could not join the task's cgroup"),
            { } code => (TaskState.Failed, $"Command exited with status {code}"),
            null => (TaskState.Failed, "Command terminated without an exit status (killed by a signal, or ended while the agent was down)"),
        };
    }

    private void Shutdown(string reason, DateTimeOffset now)
    {
        Emit(new Noted(AgentNote.ShutdownAsked, "", "", reason));
        if (shuttingDown) return;
        shuttingDown = true;
        foreach (var run in runs.Values.Where(r => !r.State.IsTerminal()).ToArray())
            Kill(run.Key.Framework, run.Key.Task, options.KillGracePeriod, now);
        foreach (var key in executors.Keys.ToArray()) ShutdownExecutor(key, now);
        // Executors get their own grace period after SHUTDOWN before their process group is killed.
        var longest = executors.Count > 0 && options.ExecutorShutdownGracePeriod > options.KillGracePeriod
            ? options.ExecutorShutdownGracePeriod : options.KillGracePeriod;
        Emit(new ShutdownStarted(longest + TimeSpan.FromSeconds(2)));
        FinishShutdown(force: false);
    }

    /// <summary>Shut down once every task's end is recorded (its TASK_KILLED is on disk), or at the deadline.</summary>
    private void FinishShutdown(bool force)
    {
        if (!shuttingDown || shutDown) return;
        if (!force && runs.Values.Any(r => !r.State.IsTerminal())) return;
        shutDown = true;
        Emit(new ShutDown());
    }

    private CoreRun? Find(RunKey key) =>
        runs.TryGetValue((key.Framework, key.Task), out var run) && run.Key.RunId == key.RunId ? run : null;

    private void Emit(AgentEffect effect) => effects.Add(effect);

    private void Note(AgentNote note, CoreRun run, string detail) =>
        Emit(new Noted(note, run.Key.Task.Value, run.Key.Framework.Value, detail));

    private sealed class CoreRun(TaskCheckpoint checkpoint, UpdateStream updates)
    {
        public TaskCheckpoint Checkpoint { get; } = checkpoint;
        public RunKey Key { get; } = new(checkpoint.Task.Framework, checkpoint.Task.Task, checkpoint.RunId);
        public UpdateStream Updates { get; } = updates;
        public TaskState State { get; set; } = TaskState.Staging;
        public TaskProcess? Process { get; set; }
        public bool KillRequested { get; set; }
        public TimeSpan KillGrace { get; set; }
        public bool InCgroup { get; set; }

        /// <summary>A health checker runs for this run (started by the shell on <see cref="StartHealthCheck"/>).</summary>
        public bool HealthChecking { get; set; }

        /// <summary>The last health verdict was unhealthy (or the checks killed it): its final update says healthy=false.</summary>
        public bool Unhealthy { get; set; }
    }
}
