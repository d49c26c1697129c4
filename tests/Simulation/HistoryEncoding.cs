using Mesos.HA.Master.Core;
using Mesos.HA.Protocol.Agent;
using WireKill = Mesos.HA.Protocol.Agent.KillTask;

namespace Mesos.HA.Simulation;

/// <summary>
/// How a message or a master input reaches the history's digest: a tag per type, then its fields,
/// the same ones <see cref="History"/> spells out in the trace (or more). Types not named here are
/// written as their text, as before: rare ones, whose records print every field.
/// </summary>
internal static class HistoryEncoding
{
    public static void Write(HistoryWriter w, object message)
    {
        switch (message)
        {
            case FrameworkEvent { Effect: SendOffers o }:
                w.Byte(1);
                w.Text(o.Framework.Value);
                w.Int(o.Offers.Count);
                foreach (var offer in o.Offers)
                {
                    w.Text(offer.Id.Value);
                    w.Text(offer.Agent.Value);
                    w.Text(offer.Role);
                    w.Text(offer.Resources.ToString());
                }
                break;
            case FrameworkEvent { Effect: ForwardUpdate u }:
                w.Byte(2);
                w.Text(u.Framework.Value);
                w.Text(u.Task.Value);
                w.Int((int)u.State);
                w.Guid(u.Uuid);
                w.Text(u.Agent.Value);
                break;
            case FrameworkEvent { Effect: SendUpdate u }:
                w.Byte(3);
                w.Text(u.Framework.Value);
                w.Text(u.Task.Value);
                w.Int((int)u.State);
                w.Text(u.Reason);
                break;
            case FrameworkEvent e:
                w.Byte(4);
                w.Text(e.Effect.ToString());
                break;
            case FrameworkCall call:
                w.Byte(5);
                Write(w, call.Input);
                break;
            case SubscribeCall s:
                w.Byte(6);
                w.Text(s.Id?.Value);
                w.Text(s.Info.Name);
                break;
            case Ping p:
                w.Byte(7);
                w.Long(p.Sequence);
                break;
            case Pong p:
                w.Byte(8);
                w.Long(p.Sequence);
                break;
            case HeartbeatEvent:
                w.Byte(9);
                break;
            case StatusUpdate u:
                w.Byte(10);
                w.Text(u.Framework.Value);
                w.Text(u.Task.Value);
                w.Int((int)u.State);
                w.Guid(u.Uuid);
                break;
            case AcknowledgeUpdate a:
                w.Byte(11);
                w.Text(a.Framework.Value);
                w.Text(a.Task.Value);
                w.Guid(a.Uuid);
                break;
            case RunTask r:
                w.Byte(12);
                w.Text(r.Framework.Value);
                w.Text(r.Task.Value);
                w.Text(r.Resources);
                break;
            case WireKill k:
                w.Byte(13);
                w.Text(k.Framework.Value);
                w.Text(k.Task.Value);
                break;
            case RegisterAgent r:
                w.Byte(14);
                w.Text(r.Hostname);
                w.Text(r.Resources);
                w.Text(r.Token);
                break;
            case ReregisterAgent r:
                w.Byte(15);
                w.Text(r.Info.Id.Value);
                w.Text(r.Info.Resources);
                w.Int(r.Tasks.Count);
                foreach (var t in r.Tasks)
                {
                    w.Text(t.Framework.Value);
                    w.Text(t.Task.Value);
                    w.Int((int)t.State);
                    w.Int(t.Unacknowledged is { } u ? (int)u : -1);
                }
                break;
            default:
                w.Byte(0);
                w.Text(message.ToString());
                break;
        }
    }

    public static void Write(HistoryWriter w, MasterInput input)
    {
        switch (input)
        {
            case Tick:
                w.Byte(33);
                break;
            case LeadershipStarted s:
                w.Byte(34);
                w.Int(s.ActiveAgents.Count);
                foreach (var a in s.ActiveAgents) w.Text(a.Value);
                w.Int(s.UnreachableAgents.Count);
                foreach (var a in s.UnreachableAgents) w.Text(a.Value);
                w.Int(s.Frameworks.Count);
                foreach (var f in s.Frameworks) w.Text(f.Id.Value);
                break;
            case AgentRegistering r:
                w.Byte(35);
                w.Text(r.Agent.Value);
                break;
            case AgentReregistering r:
                w.Byte(36);
                w.Text(r.Agent.Value);
                w.Bool(r.InRegistry);
                w.Bool(r.WasUnreachable);
                w.Int(r.Running.Count);
                foreach (var t in r.Running)
                {
                    w.Text(t.Framework.Value);
                    w.Text(t.Id.Value);
                    w.Int((int)t.State);
                }
                break;
            case SubscribeFramework s:
                w.Byte(37);
                w.Text(s.Framework.Value);
                w.Bool(s.Known);
                break;
            case AcceptOffers a:
                w.Byte(38);
                w.Text(a.Framework.Value);
                w.Int(a.Offers.Count);
                foreach (var o in a.Offers) w.Text(o.Value);
                w.Int(a.Launches.Count);
                foreach (var l in a.Launches)
                {
                    w.Text(l.Id.Value);
                    w.Text(l.Resources.ToString());
                }
                w.Long(a.Refuse?.Ticks ?? -1);
                break;
            case DeclineOffers d:
                w.Byte(39);
                w.Text(d.Framework.Value);
                w.Int(d.Offers.Count);
                foreach (var o in d.Offers) w.Text(o.Value);
                w.Long(d.Refuse?.Ticks ?? -1);
                break;
            case ReviveOffers r:
                w.Byte(40);
                w.Text(r.Framework.Value);
                w.Int(r.Roles.Count);
                foreach (var role in r.Roles) w.Text(role);
                break;
            case SuppressOffers s:
                w.Byte(41);
                w.Text(s.Framework.Value);
                w.Int(s.Roles.Count);
                foreach (var role in s.Roles) w.Text(role);
                break;
            case ReconcileTasks r:
                w.Byte(42);
                w.Text(r.Framework.Value);
                w.Int(r.Queries.Count);
                foreach (var (task, agent) in r.Queries)
                {
                    w.Text(task.Value);
                    w.Text(agent?.Value);
                }
                break;
            case AgentHeartbeat h:
                w.Byte(43);
                w.Text(h.Agent.Value);
                break;
            case AgentsSeen seen:
                w.Byte(49);
                w.Int(seen.Agents.Count);
                foreach (var agent in seen.Agents) w.Text(agent.Value);
                break;
            case AgentStatusUpdate u:
                w.Byte(44);
                w.Text(u.Agent.Value);
                w.Text(u.Framework.Value);
                w.Text(u.Task.Value);
                w.Int((int)u.State);
                w.Guid(u.Uuid);
                break;
            case UpdateAcknowledged a:
                w.Byte(45);
                w.Text(a.Agent.Value);
                w.Text(a.Framework.Value);
                w.Text(a.Task.Value);
                w.Guid(a.Uuid);
                break;
            case KillTaskCall k:
                w.Byte(46);
                w.Text(k.Framework.Value);
                w.Text(k.Task.Value);
                w.Text(k.Agent?.Value);
                break;
            case RegistryWriteCommitted c:
                w.Byte(47);
                w.Text(c.Command.GetType().Name);
                break;
            case RegistryWriteRefused r:
                w.Byte(48);
                w.Text(r.Command.GetType().Name);
                w.Text(r.Reason);
                break;
            default:
                w.Byte(32);
                w.Text(input.ToString());
                break;
        }
    }
}
