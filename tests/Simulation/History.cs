using Mesos.HA.Master.Core;
using Mesos.HA.Protocol.Agent;

namespace Mesos.HA.Simulation;

/// <summary>
/// How a message is written to a kept trace (<c>--trace</c>): the digest takes the same fields
/// without text (<see cref="HistoryEncoding"/>). Records print their collections as type names, which
/// would leave a reader blind to offers, launches and reported tasks: those are spelled out here.
/// </summary>
internal static class History
{
    public static string Of(object message) => message switch
    {
        FrameworkEvent { Effect: SendOffers o } => $"OFFERS {string.Join(" ", o.Offers.Select(Of))}",
        FrameworkEvent { Effect: ForwardUpdate u } => $"UPDATE {u.Task} {u.State} {u.Uuid} from {u.Agent}",
        FrameworkEvent { Effect: SendUpdate u } => $"UPDATE {u.Task} {u.State} {u.Reason}",
        FrameworkEvent e => e.Effect.ToString(),
        FrameworkCall { Input: var input } => Of(input),
        SubscribeCall s => $"SUBSCRIBE {s.Id?.Value ?? "(new)"} {s.Info.Name}",
        // The frequent ones, compactly (a record's own ToString costs a StringBuilder each).
        Ping p => "Ping " + p.Sequence,
        Pong p => "Pong " + p.Sequence,
        HeartbeatEvent => "HEARTBEAT",
        StatusUpdate u => $"StatusUpdate {u.Framework}/{u.Task} {u.State} {u.Uuid}",
        AcknowledgeUpdate a => $"AcknowledgeUpdate {a.Framework}/{a.Task} {a.Uuid}",
        RunTask r => $"RunTask {r.Framework}/{r.Task} {r.Resources}",
        Protocol.Agent.KillTask k => $"KillTask {k.Framework}/{k.Task}",
        RegisterAgent r => $"RegisterAgent {r.Hostname} {r.Resources}",
        ReregisterAgent r => $"ReregisterAgent {r.Info.Id} {r.Info.Resources} [{string.Join(" ", r.Tasks.Select(t =>
            $"{t.Framework}/{t.Task}:{t.State}{(t.Unacknowledged is { } u ? "/" + u : "")}"))}]",
        _ => message.ToString() ?? "",
    };

    /// <summary>A master input, with its lists spelled out.</summary>
    public static string Of(MasterInput input) => input switch
    {
        Tick => "Tick",
        LeadershipStarted s => $"LeadershipStarted(active {string.Join(",", s.ActiveAgents)}; unreachable {string.Join(",", s.UnreachableAgents)}; " +
                               $"frameworks {string.Join(",", s.Frameworks.Select(f => f.Id))})",
        AgentRegistering r => $"AgentRegistering({r.Agent})",
        AgentReregistering r => $"AgentReregistering({r.Agent}, inRegistry={r.InRegistry}, unreachable={r.WasUnreachable}, " +
                                $"[{string.Join(" ", r.Running.Select(t => $"{t.Framework}/{t.Id}:{t.State}"))}])",
        SubscribeFramework s => $"SubscribeFramework({s.Framework}, known={s.Known})",
        AcceptOffers a => $"AcceptOffers({a.Framework}, {string.Join(",", a.Offers)}, " +
                          $"[{string.Join(" ", a.Launches.Select(l => $"{l.Id}:{l.Resources}"))}], refuse {a.Refuse})",
        DeclineOffers d => $"DeclineOffers({d.Framework}, {string.Join(",", d.Offers)}, refuse {d.Refuse})",
        ReviveOffers r => $"ReviveOffers({r.Framework}, {string.Join(",", r.Roles)})",
        SuppressOffers s => $"SuppressOffers({s.Framework}, {string.Join(",", s.Roles)})",
        ReconcileTasks r => $"ReconcileTasks({r.Framework}, [{string.Join(" ", r.Queries.Select(q => $"{q.Task}@{q.Agent}"))}])",
        AgentHeartbeat h => "Heartbeat " + h.Agent.Value,
        AgentStatusUpdate u => $"AgentStatusUpdate {u.Agent} {u.Framework}/{u.Task} {u.State} {u.Uuid}",
        UpdateAcknowledged a => $"UpdateAcknowledged {a.Agent} {a.Framework}/{a.Task} {a.Uuid}",
        KillTaskCall k => $"KillTaskCall {k.Framework}/{k.Task}@{k.Agent}",
        RegistryWriteCommitted c => $"Committed({c.Command.GetType().Name})",
        RegistryWriteRefused r => $"Refused({r.Command.GetType().Name}: {r.Reason})",
        _ => input.ToString(),
    };

    private static string Of(Offer o) => $"{o.Id}@{o.Agent}:{o.Role}:{o.Resources}";
}
