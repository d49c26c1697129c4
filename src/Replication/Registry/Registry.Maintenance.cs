using System.Collections.Immutable;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Replication.Registry;

/// <summary>
/// Maintenance as Mesos keeps it in its registry: a schedule of windows naming machines, each machine
/// DRAINING until an operator takes it DOWN (its agents are gone, and none may register) and back UP
/// (it leaves the schedule). Frameworks' answers to inverse offers are kept per machine.
/// </summary>
public sealed partial class Registry
{
    private static RegistryKey KeyOf(MachineId id) => new(RegistryKeyKind.Machine, id.Key);

    /// <summary>The machines of the schedule in the order it was given.</summary>
    public ImmutableArray<MachineRecord> ScheduledMachines() =>
        [.. Machines.Values.OrderBy(m => m.Window).ThenBy(m => m.Order)];

    /// <summary>The schedule as it was given: its windows in order, each with its machines in order.</summary>
    public IReadOnlyList<MaintenanceWindow> Schedule() =>
        [.. ScheduledMachines().GroupBy(m => m.Window)
            .Select(w => new MaintenanceWindow([.. w.Select(m => m.Id)], w.First().Unavailability))];

    /// <summary>The scheduled machine an agent runs on (the first in the schedule that holds it), or null when it is UP.</summary>
    public MachineRecord? MachineOf(AgentInfo agent)
    {
        if (Machines.IsEmpty) return null;
        foreach (var machine in ScheduledMachines())
            if (machine.Id.Holds(agent)) return machine;
        return null;
    }

    /// <summary>Refuses an agent that runs on a DOWN machine (null when it may be admitted).</summary>
    private string? DownMachineOf(AgentInfo agent) =>
        MachineOf(agent) is { Mode: MachineMode.Down } down ? $"agent {agent.Id} runs on machine {down.Id}, which is DOWN for maintenance" : null;

    private ApplyOutcome ApplyUpdateSchedule(UpdateMaintenanceSchedule c)
    {
        var wanted = new Dictionary<MachineId, (Unavailability Unavailability, int Window, int Order)>();
        var order = 0;
        for (var w = 0; w < c.Windows.Count; w++)
            foreach (var machine in c.Windows[w].Machines)
                wanted[machine] = (c.Windows[w].Unavailability, w, order++);
        foreach (var down in Machines.Values.Where(m => m.Mode == MachineMode.Down && !wanted.ContainsKey(m.Id)))
            return Reject($"machine {down.Id} is DOWN: bring it UP (STOP_MAINTENANCE) before taking it out of the schedule");
        var machines = Machines;
        var touched = new List<RegistryKey>();
        foreach (var gone in Machines.Keys.Where(id => !wanted.ContainsKey(id)))
        {
            machines = machines.Remove(gone);
            touched.Add(KeyOf(gone));
        }
        foreach (var (id, (unavailability, window, place)) in wanted)
        {
            var next = Machines.TryGetValue(id, out var known)
                ? known with
                {
                    Unavailability = unavailability, Window = window, Order = place,
                    // The frameworks answered for another window: they are asked again.
                    Statuses = known.Unavailability == unavailability ? known.Statuses : [],
                }
                : new MachineRecord(id, MachineMode.Draining, unavailability, [], window, place);
            if (known is not null && Same(known, next)) continue;
            machines = machines.SetItem(id, next);
            touched.Add(KeyOf(id));
        }
        return touched.Count == 0 ? NoChange("the schedule is already this one") : Changed(With(machines: machines), [.. touched]);
    }

    /// <summary>DRAINING machines go DOWN; one already DOWN is left as it is, so a retried call is unchanged rather than refused.</summary>
    private ApplyOutcome ApplyStartMaintenance(StartMaintenance c)
    {
        foreach (var id in c.Machines)
            if (!Machines.ContainsKey(id)) return Reject($"machine {id} is not in the maintenance schedule");
        var draining = c.Machines.Where(id => Machines[id].Mode == MachineMode.Draining).ToArray();
        if (draining.Length == 0) return NoChange("the machines are already DOWN");
        var machines = Machines;
        var agents = Agents;
        var touched = new List<RegistryKey>();
        foreach (var id in draining)
        {
            machines = machines.SetItem(id, Machines[id] with { Mode = MachineMode.Down, Statuses = [] });
            touched.Add(KeyOf(id));
        }
        // The agents on them are gone (Mesos removes them and shuts them down): one that comes back under its old id is told to
        // shut down again and forgets it, so each registers anew once its machine is UP, and no task of the old one returns.
        foreach (var agent in Agents.Values.Where(a => a.Status != AgentStatus.Gone && draining.Any(m => m.Holds(a.Info))))
        {
            agents = agents.SetItem(agent.Info.Id, agent with { Status = AgentStatus.Gone, GoneAtMs = c.AtMs, Maintenance = null });
            touched.Add(KeyOf(agent.Info.Id));
        }
        return Changed(With(agents: agents, machines: machines), [.. touched]);
    }

    /// <summary>DOWN machines come back UP; one already UP (out of the schedule) is left as it is, so a retried call is unchanged.</summary>
    private ApplyOutcome ApplyStopMaintenance(StopMaintenance c)
    {
        foreach (var id in c.Machines)
            if (Machines.TryGetValue(id, out var machine) && machine.Mode != MachineMode.Down)
                return Reject($"machine {id} is not DOWN");
        var down = c.Machines.Where(Machines.ContainsKey).ToArray();
        return down.Length == 0
            ? NoChange("the machines are already UP")
            : Changed(With(machines: Machines.RemoveRange(down)), [.. down.Select(KeyOf)]);
    }

    private ApplyOutcome ApplyInverseOfferStatus(SetInverseOfferStatus c)
    {
        if (!Machines.TryGetValue(c.Machine, out var machine)) return Reject($"machine {c.Machine} is not in the maintenance schedule");
        if (machine.Mode != MachineMode.Draining) return Reject($"machine {c.Machine} is not DRAINING");
        var status = new InverseOfferStatusRecord(c.Framework, c.Answer, c.AtMs);
        var statuses = machine.Statuses.Where(s => s.Framework != c.Framework).Append(status)
            .OrderBy(s => s.Framework.Value, StringComparer.Ordinal).ToArray();
        return Changed(With(machines: Machines.SetItem(c.Machine, machine with { Statuses = statuses })), KeyOf(c.Machine));
    }

    private static bool Same(MachineRecord a, MachineRecord b) =>
        a.Id == b.Id && a.Mode == b.Mode && a.Unavailability == b.Unavailability && a.Window == b.Window && a.Order == b.Order
        && a.Statuses.SequenceEqual(b.Statuses);
}
