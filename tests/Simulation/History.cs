using Mesos.HA.Master.Core;
using Mesos.HA.Master.Core.Replay;
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
        FrameworkEvent { Effect: SendOffers o } => $"OFFERS {string.Join(" ", o.Offers.Select(Describe.Offer))}",
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

    /// <summary>A master input, with its lists spelled out (as <c>mesos-ha replay --verbose</c> prints it).</summary>
    public static string Of(MasterInput input) => Describe.Input(input);
}
