using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Master.Core;

public sealed partial class MasterCore
{
    private readonly ExecutorTable executors;

    /// <summary>The custom executors running on agents, as this master knows them.</summary>
    public IEnumerable<TrackedExecutor> Executors => executors.Values;

    /// <summary>
    /// Where a task naming a custom executor stands against the executors of its framework on the agent
    /// (and those launched earlier in the same ACCEPT): a problem when it names a known id with another
    /// ExecutorInfo, else the resources the launch takes: the task's, plus the executor's when it starts it.
    /// </summary>
    private (string? Problem, Resources Needed) ExecutorNeeds(AgentId agent, FrameworkId framework, TaskLaunch launch,
        IReadOnlyDictionary<string, ExecutorLaunch> launchedNow)
    {
        if (launch.Executor is not { } wanted) return (null, launch.Resources);
        var running = executors.TryGetValue((agent, framework, wanted.Id), out var known) ? known.Executor
            : launchedNow.GetValueOrDefault(wanted.Id);
        if (running is null) return (null, launch.Resources.Add(wanted.Resources));
        return running == wanted
            ? (null, launch.Resources)
            : ($"ExecutorInfo of executor {wanted.Id} is not compatible with the one already running on agent {agent}", launch.Resources);
    }

    /// <summary>The framework's executor ended on the agent: its resources come back, and the framework hears of it if it is connected.</summary>
    private IReadOnlyList<Effect> ExecutorEnded(AgentId agent, FrameworkId framework, string executor, int status, DateTimeOffset now)
    {
        AgentSeen(agent, now);
        // Mesos ignores an exit it does not know of: an executor this master never heard of holds nothing here.
        if (!executors.Remove((agent, framework, executor))) return [];
        ExecutorLost lost = new(framework, agent, executor, status);
        return frameworks.TryGetValue(framework.Value, out var f) && f.Connected ? [lost, AllocationWanted.Instance] : [AllocationWanted.Instance];
    }

    /// <summary>An executor's message for its framework: passed on while the framework is connected, dropped otherwise (best effort, as Mesos).</summary>
    private IReadOnlyList<Effect> ExecutorMessage(ExecutorMessageReceived m, DateTimeOffset now)
    {
        AgentSeen(m.Agent, now);
        return frameworks.TryGetValue(m.Framework.Value, out var f) && f.Connected
            ? [new SendFrameworkMessage(m.Framework, m.Agent, m.Executor, m.Data)]
            : [];
    }

    /// <summary>
    /// SHUTDOWN: the framework's custom executor is shut down on the agent named (or on every agent that
    /// runs it); its resources come back when the agent reports its exit. An id no custom executor has may
    /// be the command executor of a live task (Mesos names it after its task): that task is killed. Any
    /// other id is dropped, as Mesos' agents drop a shutdown for an executor they do not run.
    /// </summary>
    public IReadOnlyList<Effect> ShutdownExecutor(FrameworkId framework, string executor, AgentId? agent)
    {
        if (!frameworks.ContainsKey(framework.Value)) return [new CallRejected(framework, $"framework {framework} is not subscribed")];
        var running = executors.Values.Where(e => e.Framework == framework && e.Executor.Id == executor && (agent is null || e.Agent == agent))
            .OrderBy(e => e.Agent.Value, StringComparer.Ordinal).ToArray();
        if (running.Length > 0) return [.. running.Select(e => new StopExecutor(e.Agent, framework, executor))];
        return tasks.TryGetValue((framework, new TaskId(executor)), out var task) && IsLive(task.State) && (agent is null || task.Agent == agent)
            ? [new KillTask(task.Agent, framework, task.Id)]
            : [];
    }

    /// <summary>The framework is removed: its executors are shut down and hold nothing from now on.</summary>
    private IEnumerable<Effect> StopExecutorsOf(FrameworkId framework)
    {
        var gone = executors.Values.Where(e => e.Framework == framework).OrderBy(e => e.Agent.Value, StringComparer.Ordinal)
            .ThenBy(e => e.Executor.Id, StringComparer.Ordinal).ToArray();
        foreach (var e in gone) executors.Remove((e.Agent, e.Framework, e.Executor.Id));
        return gone.Select(e => new StopExecutor(e.Agent, framework, e.Executor.Id));
    }

    /// <summary>The agent is gone (unreachable or removed): its executors hold nothing here any more (a re-registration reports them again).</summary>
    private void ForgetExecutorsOn(AgentId agent)
    {
        foreach (var e in executors.Values.Where(e => e.Agent == agent).ToArray()) executors.Remove((e.Agent, e.Framework, e.Executor.Id));
    }

    /// <summary>
    /// Of the executors a re-registering agent reports, those of frameworks this master does not know (torn
    /// down or timed out while the agent was away: nobody told it) are shut down and hold nothing; the others are kept.
    /// </summary>
    private (IReadOnlyList<ReportedExecutor> Kept, IReadOnlyList<Effect> Stops) WithoutOrphans(AgentId agent, IReadOnlyList<ReportedExecutor> reported)
    {
        var orphans = reported.Where(e => !frameworks.ContainsKey(e.Framework.Value) && !pendingFrameworks.ContainsKey(e.Framework)).ToArray();
        return orphans.Length == 0 ? (reported, []) : ([.. reported.Except(orphans)],
            [.. orphans.OrderBy(e => e.Framework.Value, StringComparer.Ordinal).ThenBy(e => e.Executor.Id, StringComparer.Ordinal)
                .Select(e => new StopExecutor(agent, e.Framework, e.Executor.Id))]);
    }

    /// <summary>The agent re-registered: the executors it reports are the ones it runs.</summary>
    private void AdoptExecutors(AgentId agent, IReadOnlyList<ReportedExecutor> reported)
    {
        ForgetExecutorsOn(agent);
        foreach (var e in reported) executors.Add(new TrackedExecutor(agent, e.Framework, e.Role, e.Executor));
    }

    /// <summary>The tracked executors by agent, framework and id; every change reaches the <see cref="HeldResources"/>.</summary>
    private sealed class ExecutorTable(HeldResources held)
    {
        private readonly Dictionary<(AgentId, FrameworkId, string), TrackedExecutor> executors = new();

        public Dictionary<(AgentId, FrameworkId, string), TrackedExecutor>.ValueCollection Values => executors.Values;

        public bool TryGetValue((AgentId, FrameworkId, string) key, out TrackedExecutor executor) => executors.TryGetValue(key, out executor!);

        public void Add(TrackedExecutor executor)
        {
            Remove((executor.Agent, executor.Framework, executor.Executor.Id));
            executors[(executor.Agent, executor.Framework, executor.Executor.Id)] = executor;
            held.Add(executor.Agent, executor.Framework, executor.Role, executor.Executor.Resources);
        }

        public bool Remove((AgentId, FrameworkId, string) key)
        {
            if (!executors.Remove(key, out var gone)) return false;
            held.Remove(gone.Agent, gone.Framework, gone.Role, gone.Executor.Resources);
            return true;
        }
    }
}
