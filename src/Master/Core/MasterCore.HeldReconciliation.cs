using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Master.Core;

public sealed partial class MasterCore
{
    // RECONCILE queries this leader could not answer yet, by the agent that settles them: it may still
    // re-register with the task, or its (re)admission is being written. The null key: queries naming no
    // agent, which wait for every agent. Answered as soon as that agent settles, not at the framework's
    // next retry (after a failover of 10,000 agents that retry came ~2 s after the last agent was back).
    private readonly Dictionary<AgentId, HashSet<HeldQuery>> heldByAgent = new();
    private readonly HashSet<HeldQuery> heldForAnyAgent = new();
    private int heldCount;

    /// <summary>Queries held at most; past it a query is left to the framework's retry, as Mesos leaves them all.</summary>
    public const int MaxHeldReconciliations = 1_000_000;

    private readonly record struct HeldQuery(FrameworkId Framework, TaskId Task, AgentId? Agent);

    /// <summary>Keeps a query that waits on <paramref name="settledBy"/> (null: every agent) to be asked again once it settles.</summary>
    private void Hold(FrameworkId framework, TaskId task, AgentId? named, AgentId? settledBy)
    {
        if (heldCount >= MaxHeldReconciliations) return;
        var set = settledBy is { } agent
            ? heldByAgent.TryGetValue(agent, out var forAgent) ? forAgent : heldByAgent[agent] = new HashSet<HeldQuery>()
            : heldForAnyAgent;
        if (set.Add(new HeldQuery(framework, task, named))) heldCount++;
    }

    /// <summary>
    /// After an input that may settle agents: the held queries whose agent no longer may bring unknown tasks
    /// are asked again (the same decision a retry would get now; one still undecided is held again).
    /// </summary>
    private IReadOnlyList<Effect> AnswerSettled(MasterInput input)
    {
        IEnumerable<AgentId> candidates = input switch
        {
            AgentReregistering r => [r.Agent],
            RegistryWriteCommitted { Command: AdmitAgent a } => [a.Info.Id],
            RegistryWriteCommitted { Command: ReadmitAgent r } => [r.Info.Id],
            RegistryWriteRefused { Command: AdmitAgent a } => [a.Info.Id],
            RegistryWriteRefused { Command: ReadmitAgent r } => [r.Info.Id],
            Tick or MaintenanceUpdated or MarkAgentGoneCall => heldByAgent.Keys,
            _ => [],
        };
        var queries = new List<HeldQuery>();
        foreach (var agent in candidates.Where(a => heldByAgent.ContainsKey(a) && !MayHoldUnknownTasks(a)).ToArray())
        {
            heldByAgent.Remove(agent, out var settled);
            queries.AddRange(settled!);
        }
        if (heldForAnyAgent.Count > 0 && !AnyAgentMayHoldUnknownTasks)
        {
            queries.AddRange(heldForAnyAgent);
            heldForAnyAgent.Clear();
        }
        if (queries.Count == 0) return [];
        heldCount -= queries.Count;
        var effects = new List<Effect>();
        foreach (var byFramework in queries.Where(q => frameworks.ContainsKey(q.Framework.Value))
                     .GroupBy(q => q.Framework).OrderBy(g => g.Key.Value, StringComparer.Ordinal))
            effects.AddRange(Reconcile(byFramework.Key,
                [.. byFramework.OrderBy(q => q.Task.Value, StringComparer.Ordinal).Select(q => (q.Task, q.Agent))], hold: true));
        return effects;
    }
}
