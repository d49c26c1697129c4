using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Master.Agents;

/// <summary>
/// The agent channel's messages as the core's inputs, and the core's agent-bound effects as messages:
/// one mapping, for the agent hub and for the simulator's master.
/// </summary>
internal static class AgentWire
{
    /// <summary>The agent an agent-bound effect goes to and the message that carries it; null for any other effect.</summary>
    public static (AgentId Agent, AgentMessage Message)? MessageOf(Effect effect) => effect switch
    {
        LaunchTask l => (l.Agent, RunTaskOf(l)),
        Core.KillTask k => (k.Agent, new Protocol.Agent.KillTask(k.Framework, k.Task, k.Grace is { } grace ? Math.Max(1, (long)grace.TotalMilliseconds) : 0)),
        ForwardAcknowledgement a => (a.Agent, new AcknowledgeUpdate(a.Framework, a.Task, a.Uuid)),
        SendExecutorMessage m => (m.Agent, new FrameworkToExecutor(m.Framework, m.Executor, m.Data)),
        StopExecutor s => (s.Agent, new ShutdownExecutor(s.Framework, s.Executor)),
        StopAgent s => (s.Agent, new ShutdownAgent(s.Reason)),
        _ => null,
    };

    public static RunTask RunTaskOf(LaunchTask l) =>
        new(l.Framework, l.Task.Id, l.Task.Name, l.Role, l.Task.Resources.ToString(), l.Task.Command,
            l.Task.Executor is { } e ? new ExecutorSpec(e.Id, e.Name, e.Command, e.Resources.ToString()) : null, l.Task.HealthCheck)
        {
            User = l.Task.User,
        };

    /// <summary>The core's input for a registered agent's status update or executor message; null for any other message.</summary>
    public static AgentInput? InputOf(AgentId agent, AgentMessage message) => message switch
    {
        StatusUpdate u => new AgentStatusUpdate(agent, u.Framework, u.Task, u.State, u.Uuid, u.Message) { Reason = u.Reason, Details = u.Details },
        ExecutorToFramework m => new ExecutorMessageReceived(agent, m.Framework, m.Executor, m.Data),
        ExecutorExited x => new ExecutorTerminated(agent, x.Framework, x.Executor, x.Status),
        _ => null,
    };

    /// <summary>A re-registration as the core's input (its resource texts already checked: they parse).</summary>
    public static AgentReregistering Reregistering(AgentInfo info, ReregisterAgent back, bool inRegistry, bool wasUnreachable) =>
        new(info, [.. back.Tasks.Select(t => new ReportedTask(t.Task, t.Framework, t.Role, ResourceText.Parse(t.Resources), t.State, t.Unacknowledged))],
            inRegistry, wasUnreachable)
        {
            Executors = [.. (back.Executors ?? []).Select(e => new ReportedExecutor(e.Framework, e.Role,
                new ExecutorLaunch(e.Executor.Id, e.Executor.Name, e.Executor.Command, ResourceText.Parse(e.Executor.Resources))))],
        };

    /// <summary>Why a re-registration's resource texts cannot be read, or null when they all can.</summary>
    public static string? BadResources(ReregisterAgent back)
    {
        string? bad = null;
        var ok = ResourceText.TryParse(back.Info.Resources, out _, out bad)
                 && back.Tasks.All(t => ResourceText.TryParse(t.Resources, out _, out bad))
                 && (back.Executors ?? []).All(e => ResourceText.TryParse(e.Executor.Resources, out _, out bad));
        return ok ? null : bad ?? "unreadable";
    }
}
