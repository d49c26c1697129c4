namespace Mesos.HA.Master.Core.Replay;

/// <summary>
/// One line for an input or an effect of the core, its lists spelled out (a record's own ToString
/// prints a collection as its type name), for replays and traces.
/// </summary>
public static class Describe
{
    public static string Input(MasterInput input) => input switch
    {
        Tick => "Tick",
        LeadershipStarted s => $"LeadershipStarted(active {string.Join(",", s.ActiveAgents)}; unreachable {string.Join(",", s.UnreachableAgents)}; " +
                               $"frameworks {string.Join(",", s.Frameworks.Select(f => f.Id))})",
        AgentRegistering r => $"AgentRegistering({r.Agent})",
        AgentReregistering r => $"AgentReregistering({r.Agent}, inRegistry={r.InRegistry}, unreachable={r.WasUnreachable}, " +
                                $"[{string.Join(" ", r.Running.Select(t => $"{t.Framework}/{t.Id}:{t.State}"))}]" +
                                $"{string.Concat(r.Executors.Select(e => $" executor {e.Framework}/{e.Executor.Id}:{e.Role}:{e.Executor.Resources}"))})",
        SubscribeFramework s => $"SubscribeFramework({s.Framework}, known={s.Known})",
        AcceptOffers a => $"AcceptOffers({a.Framework}, {string.Join(",", a.Offers)}, " +
                          $"[{string.Join(" ", a.Launches.Select(l => $"{l.Id}:{l.Resources}{ExecutorOf(l)}"))}], refuse {a.Refuse})",
        DeclineOffers d => $"DeclineOffers({d.Framework}, {string.Join(",", d.Offers)}, refuse {d.Refuse})",
        ReviveOffers r => $"ReviveOffers({r.Framework}, {string.Join(",", r.Roles)})",
        SuppressOffers s => $"SuppressOffers({s.Framework}, {string.Join(",", s.Roles)})",
        ReconcileTasks r => $"ReconcileTasks({r.Framework}, [{string.Join(" ", r.Queries.Select(q => $"{q.Task}@{q.Agent}"))}])",
        AgentHeartbeat h => "Heartbeat " + h.Agent.Value,
        AgentsSeen seen => $"AgentsSeen({string.Join(",", seen.Agents)})",
        AgentStatusUpdate u => $"AgentStatusUpdate {u.Agent} {u.Framework}/{u.Task} {u.State} {u.Uuid}",
        UpdateAcknowledged a => $"UpdateAcknowledged {a.Agent} {a.Framework}/{a.Task} {a.Uuid}",
        KillTaskCall k => $"KillTaskCall {k.Framework}/{k.Task}@{k.Agent}",
        ShutdownExecutorCall s => $"ShutdownExecutorCall {s.Framework}/{s.Executor}@{s.Agent}",
        FrameworkMessage m => $"FrameworkMessage {m.Framework}/{m.Executor}@{m.Agent} {m.Data.Length} bytes",
        ExecutorMessageReceived m => $"ExecutorMessageReceived {m.Agent} {m.Framework}/{m.Executor} {m.Data.Length} bytes",
        ExecutorTerminated t => $"ExecutorTerminated {t.Agent} {t.Framework}/{t.Executor} status {t.Status}",
        InverseOffersAnswered a => $"InverseOffersAnswered({a.Framework}, {string.Join(",", a.InverseOffers)}, accept={a.Accept}, refuse {a.Refuse})",
        MaintenanceUpdated m => $"MaintenanceUpdated([{string.Join(" ", m.Machines.Select(x => $"{x.Id.Key}:{x.Mode}:{x.Unavailability.StartNs}+{x.Unavailability.DurationNs}"))}])",
        RegistryWriteCommitted c => $"Committed({c.Command.GetType().Name})",
        RegistryWriteRefused r => $"Refused({r.Command.GetType().Name}: {r.Reason})",
        _ => input.ToString(),
    };

    public static string Effect(Effect effect) => effect switch
    {
        SendOffers o => $"SendOffers({o.Framework}, [{string.Join(" ", o.Offers.Select(Offer))}])",
        SendInverseOffers i => $"SendInverseOffers({i.Framework}, [{string.Join(" ", i.InverseOffers.Select(x => $"{x.Id}@{x.Agent}:{x.Unavailability.StartNs}"))}])",
        LaunchTask l => $"LaunchTask({l.Framework}/{l.Task.Id} on {l.Agent}, {l.Task.Resources}{ExecutorOf(l.Task)})",
        ProposeRegistry p => $"ProposeRegistry({p.Command})",
        SendExecutorMessage m => $"SendExecutorMessage({m.Framework}/{m.Executor} on {m.Agent}, {m.Data.Length} bytes)",
        SendFrameworkMessage m => $"SendFrameworkMessage({m.Framework}/{m.Executor} on {m.Agent}, {m.Data.Length} bytes)",
        _ => effect.ToString(),
    };

    /// <summary>The custom executor a launch names, if it names one.</summary>
    private static string ExecutorOf(TaskLaunch l) => l.Executor is { } e ? $" executor {e.Id}:{e.Resources}" : "";

    public static string Offer(Offer o) =>
        $"{o.Id}@{o.Agent}:{o.Role}:{o.Resources}{(o.Unavailability is { } u ? $" unavailable from {u.StartNs}" : "")}";
}
