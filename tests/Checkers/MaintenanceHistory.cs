namespace Mesos.HA.Checkers;

/// <summary>A machine of the maintenance schedule as the registry held it: its name (hostname and/or IP), its mode, its window.</summary>
public sealed record ScheduledMachine(string Hostname, string Ip, bool Down, long StartNs, long? DurationNs)
{
    /// <summary>Whether an agent registered with this hostname and IP runs on the machine (as Mesos matches them: the parts the machine names).</summary>
    public bool Holds(string hostname, string ip) =>
        (Hostname.Length > 0 || Ip.Length > 0)
        && (Hostname.Length == 0 || string.Equals(Hostname, hostname, StringComparison.OrdinalIgnoreCase))
        && (Ip.Length == 0 || Ip == ip);

    public override string ToString() => $"{(Hostname.Length > 0 ? Hostname : Ip)} {(Down ? "DOWN" : "DRAINING")}";
}

/// <summary>
/// Maintenance as a run lived it, in one order of events: each schedule the registry committed, the
/// agents (which machine each runs on), and what the leaders decided — offers (with the unavailability
/// they carried), inverse offers, launches — each judged against the schedule committed when it was
/// decided by a leader of the deciding leader's term or an earlier one. A deposed leader that has not
/// heard yet (cut off from the others) cannot know a schedule its successor wrote: its decisions go into
/// the void or are refused for their term, so they are judged by what it could know. One thread records
/// (the simulator's); the positions are the order of recording.
/// </summary>
public sealed class MaintenanceHistory
{
    private readonly List<(long At, long Term, IReadOnlyList<ScheduledMachine> Machines)> schedules = [(0, 0, [])];
    private readonly Dictionary<string, (string Hostname, string Ip)> agents = new(StringComparer.Ordinal);
    private readonly List<(long At, string Offer, string Agent, long? StartNs, long? DurationNs, long Term)> offers = [];
    private readonly List<(long At, string Framework, string Agent, long StartNs, long? DurationNs, long Term)> inverseOffers = [];
    private readonly List<(long At, string Task, string Agent, long Term)> launches = [];
    private long position;

    /// <summary>The next position in the history: a decision taken now is judged against the schedules committed before it.</summary>
    public long Now() => ++position;

    public int Schedules => schedules.Count - 1;

    public int InverseOffers => inverseOffers.Count;

    /// <summary>
    /// The registry committed a change of the schedule, written by the leader of <paramref name="term"/>:
    /// <paramref name="machines"/> is all of it now (a machine absent is UP).
    /// </summary>
    public void Committed(IReadOnlyList<ScheduledMachine> machines, long term = 0)
    {
        var at = Now();
        if (!schedules[^1].Machines.SequenceEqual(machines)) schedules.Add((at, term, machines));
    }

    /// <summary>An agent registered with this hostname and IP.</summary>
    public void Agent(string agent, string hostname, string ip) => agents[agent] = (hostname, ip);

    /// <summary>The leader of <paramref name="term"/> offered (at <paramref name="at"/>, from <see cref="Now"/>).</summary>
    public void Offered(long at, string offer, string agent, long? startNs, long? durationNs, long term = long.MaxValue) =>
        offers.Add((at, offer, agent, startNs, durationNs, term));

    public void InverseOffered(long at, string framework, string agent, long startNs, long? durationNs, long term = long.MaxValue) =>
        inverseOffers.Add((at, framework, agent, startNs, durationNs, term));

    public void Launched(long at, string task, string agent, long term = long.MaxValue) => launches.Add((at, task, agent, term));

    /// <summary>
    /// The machine the agent ran on at <paramref name="at"/> as a leader of <paramref name="term"/> knew the schedule
    /// (null: UP, or an agent never seen registering).
    /// </summary>
    private ScheduledMachine? MachineOf(string agent, long at, long term)
    {
        if (!agents.TryGetValue(agent, out var a)) return null;
        var schedule = schedules.Last(s => s.At < at && s.Term <= term).Machines;
        return schedule.FirstOrDefault(m => m.Holds(a.Hostname, a.Ip));
    }

    /// <summary>No offer is made from an agent whose machine is DOWN at the time.</summary>
    public CheckResult NoOfferFromADownMachine()
    {
        const string invariant = "no offer from an agent of a DOWN machine";
        var broken = offers.Where(o => MachineOf(o.Agent, o.At, o.Term) is { Down: true })
            .Select(o => $"offer {o.Offer} from {o.Agent} on {MachineOf(o.Agent, o.At, o.Term)}").ToArray();
        return broken.Length == 0
            ? CheckResult.Pass(invariant, $"{offers.Count} offers, {Schedules} schedules")
            : CheckResult.Fail(invariant, $"{broken.Length} offers: {string.Join("; ", broken.Take(10))}");
    }

    /// <summary>An offer from an agent of a DRAINING machine carries the machine's unavailability; one from an UP machine carries none.</summary>
    public CheckResult OffersCarryTheirMachinesUnavailability()
    {
        const string invariant = "offers carry their machine's unavailability, and only theirs";
        var broken = new List<string>();
        foreach (var o in offers)
        {
            var machine = MachineOf(o.Agent, o.At, o.Term);
            if (machine is { Down: true }) continue; // judged by NoOfferFromADownMachine
            if (machine is null && o.StartNs is not null)
                broken.Add($"offer {o.Offer} from {o.Agent} (UP) carries an unavailability from {o.StartNs}");
            else if (machine is not null && (o.StartNs != machine.StartNs || o.DurationNs != machine.DurationNs))
                broken.Add($"offer {o.Offer} from {o.Agent} on {machine} carries {(o.StartNs is null ? "no unavailability" : $"{o.StartNs}+{o.DurationNs}")}, the machine's is {machine.StartNs}+{machine.DurationNs}");
        }
        return broken.Count == 0
            ? CheckResult.Pass(invariant, $"{offers.Count(o => o.StartNs is not null)} offers with an unavailability")
            : CheckResult.Fail(invariant, $"{broken.Count} offers: {string.Join("; ", broken.Take(10))}");
    }

    /// <summary>Inverse offers go only about agents of DRAINING machines, with the machine's unavailability.</summary>
    public CheckResult InverseOffersOnlyForDrainingMachines()
    {
        const string invariant = "inverse offers only about agents of DRAINING machines";
        var broken = new List<string>();
        foreach (var i in inverseOffers)
        {
            var machine = MachineOf(i.Agent, i.At, i.Term);
            if (machine is not { Down: false })
                broken.Add($"inverse offer to {i.Framework} about {i.Agent} on {(machine is null ? "an UP machine" : machine.ToString())}");
            else if (machine.StartNs != i.StartNs || machine.DurationNs != i.DurationNs)
                broken.Add($"inverse offer to {i.Framework} about {i.Agent} on {machine} with {i.StartNs}+{i.DurationNs}, the machine's is {machine.StartNs}+{machine.DurationNs}");
        }
        return broken.Count == 0
            ? CheckResult.Pass(invariant, $"{inverseOffers.Count} inverse offers")
            : CheckResult.Fail(invariant, $"{broken.Count} inverse offers: {string.Join("; ", broken.Take(10))}");
    }

    /// <summary>No task is launched on an agent of a DOWN machine.</summary>
    public CheckResult NoLaunchOnADownMachine()
    {
        const string invariant = "no task launched on an agent of a DOWN machine";
        var broken = launches.Where(l => MachineOf(l.Agent, l.At, l.Term) is { Down: true })
            .Select(l => $"{l.Task} on {l.Agent} on {MachineOf(l.Agent, l.At, l.Term)}").ToArray();
        return broken.Length == 0
            ? CheckResult.Pass(invariant, $"{launches.Count} launches")
            : CheckResult.Fail(invariant, $"{broken.Length} launches: {string.Join("; ", broken.Take(10))}");
    }

    /// <summary>Every check of this history.</summary>
    public IEnumerable<CheckResult> Checks() =>
        [NoOfferFromADownMachine(), OffersCarryTheirMachinesUnavailability(), InverseOffersOnlyForDrainingMachines(), NoLaunchOnADownMachine()];
}
