using System.Threading.Channels;
using Mesos.HA.Agent.Core;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Agent.Shell;

/// <summary>
/// Starts task processes off the agent's decision loop: <see cref="Start"/> hands the launch (already
/// checkpointed and committed) to a few starters and returns; each starter runs <see cref="ProcessLauncher"/>
/// and feeds the answer, and the run's end only after it. Spawning a process costs milliseconds of CPU, so
/// the loop decides and commits the next batch meanwhile. Everything else goes straight to the launcher.
/// </summary>
public sealed class BackgroundLauncher : ITaskLauncher
{
    /// <summary>
    /// Starters at once: spawning is CPU work (and .NET forks one process at a time), so a couple overlap
    /// the directories and files around it; more would only take CPU from the rest of the agent.
    /// </summary>
    private const int Starters = 2;

    private readonly ProcessLauncher launcher;
    private readonly Action<AgentInput> feed;

    // Unbounded on purpose: one entry per launch not yet started, and launches are bounded by what the
    // agent's resources let the master place here; a bound would make the decision loop wait for the starters,
    // which wait for the loop's inbox.
    private readonly Channel<StartProcess> launches = Channel.CreateUnbounded<StartProcess>(new UnboundedChannelOptions { SingleWriter = true });

    public BackgroundLauncher(ProcessLauncher launcher, Action<AgentInput> feed, CancellationToken stopping)
    {
        this.launcher = launcher;
        this.feed = feed;
        Completion = Task.WhenAll(Enumerable.Range(0, Starters).Select(_ => Task.Run(() => StartAsync(stopping))));
    }

    /// <summary>Ends when the agent stops (launches not started by then are dropped: their runs were checkpointed, and recovery fails them).</summary>
    public Task Completion { get; }

    public AgentInput? Start(AgentId agent, RunKey run, RunTask task, Resources resources)
    {
        if (!launches.Writer.TryWrite(new StartProcess(agent, run, task, resources)))
            return new LaunchFailed(run, "the agent is stopping");
        return null;
    }

    private async Task StartAsync(CancellationToken stopping)
    {
        try
        {
            await foreach (var start in launches.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                AgentInput answer;
                try
                {
                    answer = launcher.Start(start.Agent, start.Run, start.Task, start.Resources, answered.Task);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A starter that died here would leave every launch queued behind it in TASK_STAGING for good
                    // (a chaos run ended with six such tasks on one agent): this one fails, the next ones start.
                    answer = new LaunchFailed(start.Run, $"the launch failed: {e.GetType().Name}: {e.Message}");
                }
                try
                {
                    feed(answer);
                }
                finally
                {
                    answered.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        finally
        {
            launches.Writer.TryComplete();
        }
    }

    public AgentInput? Watch(AgentId agent, RunKey run, TaskProcess? process) => launcher.Watch(agent, run, process);

    public void Signal(TaskProcess process, int signal) => launcher.Signal(process, signal);

    public void EscalateKill(TaskProcess process, TimeSpan after) => launcher.EscalateKill(process, after);

    public void Release(RunKey run, TaskProcess? process) => launcher.Release(run, process);
}
