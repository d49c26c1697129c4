using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Master.Core;

/// <summary>A copy of what the leading master's core holds, for the state and metrics endpoints.</summary>
public sealed record CoreView(
    IReadOnlyList<AgentView> Agents,
    IReadOnlyList<FrameworkView> Frameworks,
    IReadOnlyList<TrackedTask> Tasks,
    IReadOnlyList<TrackedTask> CompletedTasks,
    int OutstandingOffers)
{
    /// <summary>The custom executors running on agents.</summary>
    public IReadOnlyList<TrackedExecutor> Executors { get; init; } = [];
}

/// <summary>What the metrics read of the leading master's core: counts, taken without copying or sorting its tasks.</summary>
/// <param name="TasksByState">Tasks by <see cref="TaskState"/> (indexed by its value): live ones and the completed ones still kept.</param>
public sealed record CoreCounts(IReadOnlyList<int> TasksByState, int OutstandingOffers)
{
    public int Tasks(TaskState state) => TasksByState[(int)state];
}

public sealed record AgentView(AgentId Id, Resources Total, Resources Used, Resources Offered);

public sealed record FrameworkView(FrameworkId Id, IReadOnlyList<string> Roles, bool Connected, Resources Used, Resources Offered);

public sealed partial class MasterCore
{
    /// <summary>
    /// The counts the metrics report, in one pass over the tasks (no copy, no sort: a scrape of a leader
    /// holding 100,000 tasks must not hold its decisions up the way a full <see cref="View"/> does).
    /// </summary>
    public CoreCounts Counts()
    {
        var byState = new int[Enum.GetValues<TaskState>().Length];
        foreach (var task in tasks.Values) byState[(int)task.State]++;
        foreach (var task in completed.Values) byState[(int)task.State]++;
        return new CoreCounts(byState, offers.Count);
    }

    /// <summary>Everything the core holds, copied (the caller must hold the shell's lock, as for every call).</summary>
    public CoreView View()
    {
        var usedByAgent = new Dictionary<AgentId, Resources>();
        var usedByFramework = new Dictionary<FrameworkId, Resources>();
        var used = tasks.Values.Where(t => IsLive(t.State)).Select(t => (t.Agent, t.Framework, t.Resources))
            .Concat(executors.Values.Select(e => (e.Agent, e.Framework, e.Executor.Resources)));
        foreach (var (agent, framework, resources) in used)
        {
            usedByAgent[agent] = usedByAgent.GetValueOrDefault(agent, Resources.Empty).Add(resources);
            usedByFramework[framework] = usedByFramework.GetValueOrDefault(framework, Resources.Empty).Add(resources);
        }
        var offeredByAgent = new Dictionary<AgentId, Resources>();
        var offeredByFramework = new Dictionary<FrameworkId, Resources>();
        foreach (var offer in offers.Values)
        {
            offeredByAgent[offer.Agent] = offeredByAgent.GetValueOrDefault(offer.Agent, Resources.Empty).Add(offer.Resources);
            offeredByFramework[offer.Framework] = offeredByFramework.GetValueOrDefault(offer.Framework, Resources.Empty).Add(offer.Resources);
        }
        return new CoreView(
            [.. agents.Values.Select(a => new AgentView(a.Id, a.Total, usedByAgent.GetValueOrDefault(a.Id, Resources.Empty),
                offeredByAgent.GetValueOrDefault(a.Id, Resources.Empty)))],
            [.. frameworks.Values.Select(f => new FrameworkView(f.Id, f.Roles, f.Connected, usedByFramework.GetValueOrDefault(f.Id, Resources.Empty),
                offeredByFramework.GetValueOrDefault(f.Id, Resources.Empty)))],
            [.. tasks.Values.OrderBy(t => t.Framework.Value, StringComparer.Ordinal).ThenBy(t => t.Id.Value, StringComparer.Ordinal)],
            [.. completedOrder.Reverse().Take(1000).Select(k => completed.GetValueOrDefault(k)).OfType<TrackedTask>()],
            offers.Count)
        {
            Executors = [.. executors.Values.OrderBy(e => e.Agent.Value, StringComparer.Ordinal).ThenBy(e => e.Framework.Value, StringComparer.Ordinal)
                .ThenBy(e => e.Executor.Id, StringComparer.Ordinal)],
        };
    }
}
