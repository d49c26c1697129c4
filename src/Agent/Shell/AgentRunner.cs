using Mesos.HA.Agent.Core;

namespace Mesos.HA.Agent.Shell;

/// <summary>
/// Runs inputs through the <see cref="AgentCore"/> and carries out its effects against the seams, so that
/// nothing is started or sent before the checkpoints it relies on are committed: one input at a time in
/// the core's order (<see cref="Handle"/>, the simulator's), or a batch's checkpoints first under one
/// commit and then the rest in the core's order (<see cref="HandleBatch"/>, the agent's). Answers that
/// come back at once (a process started) are fed before the call returns. The caller runs one call at a time.
/// </summary>
public sealed class AgentRunner(AgentCore core, IAgentDisk disk, ITaskLauncher launcher, IAgentEdges edges, IExecutorSeams? executors = null,
    IHealthChecks? healthChecks = null)
{
    public AgentCore Core => core;

    private IExecutorSeams Executors => ExecutorSeamsMissing.Check(executors);

    private IHealthChecks HealthChecks =>
        healthChecks ?? throw new InvalidOperationException("this agent runs no health checks (no health check seam was given)");

    /// <summary>
    /// One input and the answers it brings, each decision's effects carried out in order, every checkpoint
    /// committed as it is written (the simulator's crash points fall between any two effects), before the next decision.
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
            {
                if (Execute(effect) is { } answer) pending.Enqueue(answer);
                if (IsCheckpoint(effect)) Execute(new CommitCheckpoints());
            }
    }

    /// <summary>
    /// Several inputs at once (group commit): every decision of the batch is taken, their checkpoints
    /// written and committed together, then their other effects carried out in the order the decisions
    /// gave them; the answers those bring (processes started) form the next round, before the call returns.
    /// The core sees the inputs in order, as one at a time; what differs is that a decision's effects are
    /// carried out after the later decisions of its round are taken, which the core allows (a kill of a
    /// task whose process has not started yet, say). Throws as <see cref="Handle"/> does.
    /// </summary>
    public void HandleBatch(IReadOnlyList<AgentInput> inputs, DateTimeOffset now)
    {
        var pending = new Queue<AgentInput>();
        var round = inputs;
        while (round.Count > 0)
        {
            Round(round, pending, now);
            round = [.. pending];
            pending.Clear();
        }
    }

    /// <summary>The inputs' decisions: checkpoints written, committed, then the rest carried out; answers go to <paramref name="answers"/>.</summary>
    private void Round(IReadOnlyList<AgentInput> inputs, Queue<AgentInput> answers, DateTimeOffset now)
    {
        var rest = new List<AgentEffect>();
        foreach (var input in inputs)
            foreach (var effect in core.Handle(input, now))
                if (IsCheckpoint(effect)) Execute(effect);
                else rest.Add(effect);
        Execute(new CommitCheckpoints());
        foreach (var effect in rest)
            if (Execute(effect) is { } next) answers.Enqueue(next);
    }

    /// <summary>Writes the core keeps on disk: carried out first in a round, durable once the round commits.</summary>
    private static bool IsCheckpoint(AgentEffect effect) =>
        effect is SaveAgentInfo or CreateRun or AppendToLog or MarkKilled or MarkCompleted or CreateExecutorRun;

    private AgentInput? Execute(AgentEffect effect)
    {
        try
        {
            return Carry(effect);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && (IsCheckpoint(effect) || effect is CommitCheckpoints))
        {
            throw new CheckpointFailedException(effect, e);
        }
    }

    private AgentInput? Carry(AgentEffect effect)
    {
        switch (effect)
        {
            case CommitCheckpoints: disk.Commit(); break;
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
            case ShutDown:
                disk.ForgetAgent();
                edges.ShutDown();
                break;
            case CreateExecutorRun create: Executors.CreateExecutorRun(create.Agent, create.Executor, create.Checkpoint); break;
            case StartExecutor start: return Executors.StartExecutor(start.Agent, start.Executor, start.Checkpoint, start.Resources);
            case WatchExecutor watch: return Executors.WatchExecutor(watch.Agent, watch.Executor, watch.RunId, watch.Process);
            case ReleaseExecutor release: Executors.ReleaseExecutor(release.Agent, release.Executor, release.RunId, release.Process); break;
            case SendToExecutor send: Executors.Send(send.Stream, send.Event); break;
            case CloseExecutorStream close: Executors.Close(close.Stream); break;
            case StartHealthCheck start: HealthChecks.Start(start.Agent, start.Run, start.Task, start.Check, start.StartedAt); break;
            case StopHealthCheck stop: HealthChecks.Stop(stop.Run); break;
            case AnswerExecutorCall answer: Executors.Answer(answer.CallId, answer.Status, answer.Error); break;
            default: throw new InvalidOperationException($"no shell for {effect.GetType().Name}");
        }
        return null;
    }
}

internal static class ExecutorSeamsMissing
{
    public static IExecutorSeams Check(IExecutorSeams? seams) =>
        seams ?? throw new InvalidOperationException("this agent runs no custom executors (no executor seams were given)");
}

/// <summary>The shell's own step between a round's checkpoints and the rest of its effects (never decided by the core).</summary>
internal sealed record CommitCheckpoints : AgentEffect;

/// <summary>A checkpoint write failed: the agent's memory is ahead of its disk, and it must stop.</summary>
public sealed class CheckpointFailedException(AgentEffect effect, Exception inner)
    : Exception($"could not checkpoint ({effect.GetType().Name}): {inner.Message}", inner);
