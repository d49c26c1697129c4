using Mesos.HA.Agent.Core;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Health;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Agent.Shell;

/// <summary>
/// The command tasks' health checkers: one <see cref="HealthChecker"/> per run, probing in the task's
/// sandbox with the task's environment and as the task's user, its decisions fed back as <see cref="HealthDecided"/>.
/// </summary>
/// <remarks>
/// <see cref="Start"/> and <see cref="Stop"/> are called under the agent's lock and never block: a
/// checker's callback feeds the agent, which takes that lock, so stopping only asks the checker to stop.
/// A decision that arrives after its checker was stopped is dropped by the core.
/// </remarks>
public sealed class HealthCheckHost(AgentPaths paths, UserSwitch users, TimeProvider time, Action<AgentInput> feed) : IHealthChecks, IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly Dictionary<RunKey, HealthChecker> checkers = [];
    private bool disposed;

    public void Start(AgentId agent, RunKey run, RunTask task, HealthCheckSpec check, DateTimeOffset startedAt)
    {
        var sandbox = paths.Sandbox(agent, run.Framework, run.Task.Value, run.RunId);
        var resources = ResourceText.TryParse(task.Resources, out var parsed, out _) ? parsed : Resources.Empty;
        var environment = CommandLauncher.TaskEnvironment(sandbox, run.Task.Value, agent.Value, run.Framework.Value, resources);
        IReadOnlyList<string>? runAs;
        try
        {
            var decided = users.Decide(task.User, task.FrameworkInfo?.User);
            if (decided.Refusal is not null) return; // the task never ran: nothing to check
            runAs = decided.User is { } user ? CommandLauncher.RunAsArguments(user) : null;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            return; // the task itself could not have started as its user
        }
        var probe = HealthProbe.For(check, sandbox, environment, time, runAs);
        HealthChecker checker;
        try
        {
            checker = HealthChecker.Start(check, startedAt, probe, (decision, _) =>
            {
                feed(new HealthDecided(run, decision));
                return ValueTask.CompletedTask;
            }, time);
        }
        catch (ArgumentException)
        {
            // The master validated the spec; one it let through that the policy refuses goes unchecked
            // rather than stop the agent, whose lock this runs under.
            (probe as IDisposable)?.Dispose();
            return;
        }
        lock (gate)
        {
            if (disposed)
            {
                checker.Stop();
                return;
            }
            if (checkers.Remove(run, out var previous)) previous.Stop();
            checkers[run] = checker;
        }
    }

    public void Stop(RunKey run)
    {
        lock (gate)
            if (checkers.Remove(run, out var checker)) checker.Stop();
    }

    /// <summary>Stops every checker and waits until they ended; call it once the agent feeds no more inputs.</summary>
    public async ValueTask DisposeAsync()
    {
        HealthChecker[] all;
        lock (gate)
        {
            disposed = true;
            all = [.. checkers.Values];
            checkers.Clear();
        }
        foreach (var checker in all) await checker.DisposeAsync().ConfigureAwait(false);
    }
}
