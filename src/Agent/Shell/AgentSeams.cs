using Mesos.HA.Agent.Core;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Agent.Updates;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Agent.Shell;

/// <summary>
/// The agent's checkpoints: files under the work directory for the real agent, memory that can lose
/// unflushed writes in the simulator. Every write but the completion hint is durable when the call
/// returns (the identity, a run's launch, the kill marker, update log records flushed when asked);
/// a write that fails throws, and the agent stops (<see cref="CheckpointFailedException"/>).
/// </summary>
public interface IAgentDisk
{
    /// <summary>The identity and the runs not yet completed, as the last run of the agent left them.</summary>
    Recovered Recover();

    void SaveAgentInfo(AgentInfo info);

    void CreateRun(AgentId agent, RunKey run, TaskCheckpoint checkpoint);

    void Append(RunKey run, UpdateLogRecord record, bool durable);

    void MarkKilled(RunKey run);

    void MarkCompleted(RunKey run);
}

/// <summary>The agent's task processes: real process groups, or simulated tasks.</summary>
public interface ITaskLauncher
{
    /// <summary>Starts the run; the answer (<see cref="ProcessStarted"/> or <see cref="LaunchFailed"/>) is returned, its end fed later as <see cref="ProcessExited"/>.</summary>
    AgentInput Start(AgentId agent, RunKey run, RunTask task, Resources resources);

    /// <summary>
    /// Watches a recovered run's process: <see cref="ProcessExited"/> is returned at once when it is
    /// already gone (or none was recorded), else fed when it ends.
    /// </summary>
    AgentInput? Watch(AgentId agent, RunKey run, TaskProcess? process);

    void Signal(TaskProcess process, int signal);

    /// <summary>SIGKILL whatever is left of the group after <paramref name="after"/>.</summary>
    void EscalateKill(TaskProcess process, TimeSpan after);

    /// <summary>The run ended: stragglers of its group are killed and its cgroup removed.</summary>
    void Release(RunKey run, TaskProcess? process);
}

/// <summary>What only the shell around the core can do: send to the master, log, time the shutdown, stop.</summary>
public interface IAgentEdges
{
    /// <summary>Best effort: false when there is no link (the core resends updates after the next registration).</summary>
    bool Send(AgentMessage message);

    void Note(Noted note);

    void ShutdownStarted(TimeSpan deadline);

    void ShutDown();
}

/// <summary>
/// Runs inputs through the <see cref="AgentCore"/> and carries out its effects in order against the
/// seams; answers that come back at once (a process started) are fed before the call returns. The
/// caller runs one <see cref="Handle"/> at a time.
/// </summary>
public sealed class AgentRunner(AgentCore core, IAgentDisk disk, ITaskLauncher launcher, IAgentEdges edges)
{
    public AgentCore Core => core;

    /// <summary>
    /// Throws <see cref="CheckpointFailedException"/> when a checkpoint could not be written: the core
    /// has moved on and the disk has not, so the agent must stop and recover from what the disk holds
    /// (as Mesos' agent aborts on a failed checkpoint); nothing more may be fed to this runner.
    /// </summary>
    public void Handle(AgentInput input, DateTimeOffset now)
    {
        var pending = new Queue<AgentInput>();
        pending.Enqueue(input);
        while (pending.TryDequeue(out var next))
            foreach (var effect in core.Handle(next, now))
                if (Execute(effect) is { } answer) pending.Enqueue(answer);
    }

    private AgentInput? Execute(AgentEffect effect)
    {
        try
        {
            return Carry(effect);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && effect is SaveAgentInfo or CreateRun or AppendToLog or MarkKilled or MarkCompleted)
        {
            throw new CheckpointFailedException(effect, e);
        }
    }

    private AgentInput? Carry(AgentEffect effect)
    {
        switch (effect)
        {
            case SaveAgentInfo save: disk.SaveAgentInfo(save.Info); break;
            case CreateRun create: disk.CreateRun(create.Agent, create.Run, create.Checkpoint); break;
            case AppendToLog append: disk.Append(append.Run, append.Record, append.Durable); break;
            case MarkKilled killed: disk.MarkKilled(killed.Run); break;
            case MarkCompleted completed: disk.MarkCompleted(completed.Run); break;
            case StartProcess start: return launcher.Start(start.Agent, start.Run, start.Task, start.Resources);
            case WatchProcess watch: return launcher.Watch(watch.Agent, watch.Run, watch.Process);
            case SignalProcess signal: launcher.Signal(signal.Process, signal.Signal); break;
            case EscalateKill escalate: launcher.EscalateKill(escalate.Process, escalate.After); break;
            case ReleaseRun release: launcher.Release(release.Run, release.Process); break;
            case SendToMaster send: return edges.Send(send.Message) ? null : new NotSent(send.Message);
            case Noted note: edges.Note(note); break;
            case ShutdownStarted started: edges.ShutdownStarted(started.Deadline); break;
            case ShutDown: edges.ShutDown(); break;
            default: throw new InvalidOperationException($"no shell for {effect.GetType().Name}");
        }
        return null;
    }
}

/// <summary>A checkpoint write failed: the agent's memory is ahead of its disk, and it must stop.</summary>
public sealed class CheckpointFailedException(AgentEffect effect, Exception inner)
    : Exception($"could not checkpoint ({effect.GetType().Name}): {inner.Message}", inner);
