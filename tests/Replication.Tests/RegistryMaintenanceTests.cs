using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Replication.Registry;
using Xunit;
using static Mesos.HA.Replication.Tests.Commands;

namespace Mesos.HA.Replication.Tests;

public class RegistryMaintenanceTests
{
    private static readonly MachineId Alpha = MachineId.Of("alpha", "10.0.0.1");
    private static readonly MachineId Beta = MachineId.Of("beta", "");
    private static readonly MachineId Gamma = MachineId.Of("", "10.0.0.3");
    private static readonly MachineId Zeta = MachineId.Of("zeta", "");
    private static readonly Unavailability Soon = new(1_800_000_000_000_000_000, 3_600_000_000_000);
    private static readonly Unavailability Later = new(1_800_000_100_000_000_000, null);
    private static readonly FrameworkId F1 = new("f1");
    private static readonly FrameworkId F2 = new("f2");

    private static ApplyOutcome Outcome(Registry.Registry registry, RegistryCommand command, CommandStatus expected)
    {
        Assert.Null(RegistryCommandValidator.Validate(command));
        var outcome = registry.Apply(command);
        Assert.True(expected == outcome.Result.Status, $"expected {expected}, got {outcome.Result.Status}: {outcome.Result.Message}");
        if (expected == CommandStatus.Applied) Assert.NotEmpty(outcome.Touched);
        else
        {
            Assert.Same(registry, outcome.Next);
            Assert.Empty(outcome.Touched);
        }
        return outcome;
    }

    private static Registry.Registry Applied(Registry.Registry registry, RegistryCommand command, CommandStatus expected) =>
        Outcome(registry, command, expected).Next;

    private static AgentInfo AgentOn(string id, string hostname, string ip) =>
        new(new AgentId(id), hostname, $"{ip}:5051", "cpus:4;mem:8192", new Dictionary<string, string>());

    private static MaintenanceWindow Window(Unavailability unavailability, params MachineId[] machines) => new(machines, unavailability);

    private static UpdateMaintenanceSchedule Schedule(params MaintenanceWindow[] windows) => new(windows);

    private static RegistryKey Key(MachineId id) => new(RegistryKeyKind.Machine, id.Key);

    private static RegistryKey Key(string agent) => new(RegistryKeyKind.Agent, agent);

    private static Registry.Registry Scheduled(params MaintenanceWindow[] windows) =>
        Applied(Registry.Registry.Empty, Schedule(windows), CommandStatus.Applied);

    private static string Describe(Registry.Registry r) => string.Join(" | ", r.Schedule().Select(w =>
        $"{w.Unavailability.StartNs}+{w.Unavailability.DurationNs?.ToString() ?? "forever"}: {string.Join(", ", w.Machines.Select(m => m.Key))}"));

    private static string Statuses(Registry.Registry r, MachineId id) =>
        string.Join(", ", r.Machines[id].Statuses.Select(s => $"{s.Framework.Value}={s.Answer}@{s.AtMs}"));

    [Fact]
    public void UpdateSchedule_NewMachines_AreDraining_AndTheScheduleReadsBackInTheGivenOrder()
    {
        var outcome = Outcome(Registry.Registry.Empty,
            Schedule(Window(Later, Zeta, Alpha), Window(Soon, Gamma, Beta)), CommandStatus.Applied);
        var r = outcome.Next;
        Assert.Equal("1800000100000000000+forever: zeta/, alpha/10.0.0.1 | 1800000000000000000+3600000000000: /10.0.0.3, beta/", Describe(r));
        Assert.Equal([Zeta, Alpha, Gamma, Beta], r.ScheduledMachines().Select(m => m.Id));
        Assert.All(r.ScheduledMachines(), m => Assert.Equal(MachineMode.Draining, m.Mode));
        Assert.All(r.ScheduledMachines(), m => Assert.Empty(m.Statuses));
        Assert.Equal(Soon, r.Machines[Beta].Unavailability);
        Assert.Equal(Later, r.Machines[Alpha].Unavailability);
        Assert.Equal(new[] { Key(Alpha), Key(Beta), Key(Gamma), Key(Zeta) }.OrderBy(k => k.Id), outcome.Touched.OrderBy(k => k.Id));
    }

    [Fact]
    public void UpdateSchedule_TheSameScheduleAgain_IsUnchanged()
    {
        var r = Scheduled(Window(Soon, Alpha, Beta), Window(Later, Gamma));
        var outcome = Outcome(r, Schedule(Window(Soon, Alpha, Beta), Window(Later, Gamma)), CommandStatus.Unchanged);
        Assert.Equal(RegistryCodec.Digest(r), RegistryCodec.Digest(outcome.Next));
        Applied(Registry.Registry.Empty, Schedule(), CommandStatus.Unchanged);
    }

    [Fact]
    public void UpdateSchedule_Reordered_IsApplied_AndReadsBackInTheNewOrder()
    {
        var r = Scheduled(Window(Soon, Alpha, Beta), Window(Later, Gamma));
        var outcome = Outcome(r, Schedule(Window(Later, Gamma), Window(Soon, Beta, Alpha)), CommandStatus.Applied);
        Assert.Equal("1800000100000000000+forever: /10.0.0.3 | 1800000000000000000+3600000000000: beta/, alpha/10.0.0.1", Describe(outcome.Next));
    }

    [Fact]
    public void UpdateSchedule_MachinesLeftOut_GoBackUp_AndLeaveTheRegistry()
    {
        var r = Scheduled(Window(Soon, Alpha, Beta), Window(Later, Gamma));
        var outcome = Outcome(r, Schedule(Window(Soon, Beta)), CommandStatus.Applied);
        Assert.Equal([Beta], outcome.Next.Machines.Keys);
        Assert.Equal("1800000000000000000+3600000000000: beta/", Describe(outcome.Next));
        Assert.Contains(Key(Alpha), outcome.Touched);
        Assert.Contains(Key(Gamma), outcome.Touched);
        Assert.Null(outcome.Next.Find(Key(Alpha)));
        var empty = Applied(outcome.Next, Schedule(), CommandStatus.Applied);
        Assert.Empty(empty.Machines);
        Assert.Empty(empty.Schedule());
    }

    [Fact]
    public void UpdateSchedule_LeavingOutADownMachine_IsRejected_AndChangesNothing()
    {
        var r = Scheduled(Window(Soon, Alpha, Beta));
        r = Applied(r, new StartMaintenance([Alpha]), CommandStatus.Applied);
        var outcome = Outcome(r, Schedule(Window(Soon, Beta), Window(Later, Gamma)), CommandStatus.Rejected);
        Assert.Contains("DOWN", outcome.Result.Message);
        Assert.Equal(MachineMode.Down, outcome.Next.Machines[Alpha].Mode);
        Assert.False(outcome.Next.Machines.ContainsKey(Gamma));
        // Kept in the schedule (even in another window), the DOWN machine stays DOWN.
        var kept = Applied(r, Schedule(Window(Later, Alpha)), CommandStatus.Applied);
        Assert.Equal(MachineMode.Down, kept.Machines[Alpha].Mode);
        Assert.Equal(Later, kept.Machines[Alpha].Unavailability);
        Assert.False(kept.Machines.ContainsKey(Beta));
    }

    [Fact]
    public void UpdateSchedule_KeepsAnswers_WhenTheUnavailabilityIsUnchanged_AndClearsThemWhenItChanges()
    {
        var r = Scheduled(Window(Soon, Alpha, Beta));
        r = Applied(r, new SetInverseOfferStatus(Alpha, F1, InverseOfferAnswer.Accept, 100), CommandStatus.Applied);
        r = Applied(r, new SetInverseOfferStatus(Beta, F2, InverseOfferAnswer.Decline, 200), CommandStatus.Applied);
        // Alpha moves to a window of its own, with the same unavailability; Beta's changes.
        r = Applied(r, Schedule(Window(Later, Beta), Window(Soon, Alpha)), CommandStatus.Applied);
        Assert.Equal("f1=Accept@100", Statuses(r, Alpha));
        Assert.Equal("", Statuses(r, Beta));
        Assert.Equal(Later, r.Machines[Beta].Unavailability);
        Assert.Equal([Beta, Alpha], r.ScheduledMachines().Select(m => m.Id));
    }

    [Fact]
    public void SetInverseOfferStatus_OnADrainingMachine_KeepsTheLatestAnswerPerFramework()
    {
        var r = Scheduled(Window(Soon, Alpha));
        var outcome = Outcome(r, new SetInverseOfferStatus(Alpha, F2, InverseOfferAnswer.Decline, 100), CommandStatus.Applied);
        Assert.Equal(new[] { Key(Alpha) }, outcome.Touched.ToArray());
        r = Applied(outcome.Next, new SetInverseOfferStatus(Alpha, F1, InverseOfferAnswer.Accept, 150), CommandStatus.Applied);
        r = Applied(r, new SetInverseOfferStatus(Alpha, F2, InverseOfferAnswer.Accept, 200), CommandStatus.Applied);
        Assert.Equal("f1=Accept@150, f2=Accept@200", Statuses(r, Alpha));
        Assert.Equal(MachineMode.Draining, r.Machines[Alpha].Mode);
    }

    [Fact]
    public void SetInverseOfferStatus_ForAnUnscheduledOrDownMachine_IsRejected()
    {
        var r = Scheduled(Window(Soon, Alpha, Beta));
        Applied(r, new SetInverseOfferStatus(Gamma, F1, InverseOfferAnswer.Accept, 100), CommandStatus.Rejected);
        r = Applied(r, new StartMaintenance([Beta]), CommandStatus.Applied);
        var outcome = Outcome(r, new SetInverseOfferStatus(Beta, F1, InverseOfferAnswer.Accept, 100), CommandStatus.Rejected);
        Assert.Contains("not DRAINING", outcome.Result.Message);
        Assert.Empty(outcome.Next.Machines[Beta].Statuses);
    }

    [Fact]
    public void StartMaintenance_TakesDrainingMachinesDown_ClearsTheirAnswers_AndMarksTheirAgentsGoneInTheSameWrite()
    {
        var r = Registry.Registry.Empty;
        r = Applied(r, new AdmitAgent(AgentOn("on-alpha", "ALPHA", "10.0.0.1"), 10), CommandStatus.Applied); // hostname matches ignoring case
        r = Applied(r, new AdmitAgent(AgentOn("alpha-other-ip", "alpha", "10.0.0.99"), 10), CommandStatus.Applied); // Alpha names both parts
        r = Applied(r, new AdmitAgent(AgentOn("on-gamma", "whatever", "10.0.0.3"), 10), CommandStatus.Applied); // Gamma names the IP only
        r = Applied(r, new AdmitAgent(AgentOn("on-beta", "beta", "10.0.0.2"), 10), CommandStatus.Applied);
        r = Applied(r, new AdmitAgent(AgentOn("gone-on-alpha", "alpha", "10.0.0.1"), 10), CommandStatus.Applied);
        r = Applied(r, new MarkAgentGone(new AgentId("gone-on-alpha"), 20), CommandStatus.Applied);
        r = Applied(r, new AdmitAgent(AgentOn("unreachable-on-gamma", "other", "10.0.0.3"), 10), CommandStatus.Applied);
        r = Applied(r, new MarkAgentUnreachable(new AgentId("unreachable-on-gamma"), 20), CommandStatus.Applied);
        r = Applied(r, Schedule(Window(Soon, Alpha, Beta, Gamma)), CommandStatus.Applied);
        r = Applied(r, new SetInverseOfferStatus(Alpha, F1, InverseOfferAnswer.Accept, 30), CommandStatus.Applied);

        var outcome = Outcome(r, new StartMaintenance([Alpha, Gamma]) { AtMs = 40 }, CommandStatus.Applied);
        var next = outcome.Next;
        Assert.Equal(MachineMode.Down, next.Machines[Alpha].Mode);
        Assert.Equal(MachineMode.Down, next.Machines[Gamma].Mode);
        Assert.Equal(MachineMode.Draining, next.Machines[Beta].Mode);
        Assert.Empty(next.Machines[Alpha].Statuses);
        // Gone, so that one coming back under its old id is shut out (it registers anew): the others keep their state.
        Assert.Equal(["gone-on-alpha", "on-alpha", "on-gamma", "unreachable-on-gamma"],
            next.Agents.Values.Where(a => a.Status == AgentStatus.Gone).Select(a => a.Info.Id.Value).Order(StringComparer.Ordinal));
        Assert.Equal(20, next.Agents[new AgentId("gone-on-alpha")].GoneAtMs); // already gone: untouched
        Assert.Equal(40, next.Agents[new AgentId("on-alpha")].GoneAtMs);
        Assert.Equal(AgentStatus.Active, next.Agents[new AgentId("alpha-other-ip")].Status);
        Assert.Equal(AgentStatus.Active, next.Agents[new AgentId("on-beta")].Status);
        Assert.Equal(
            new[] { Key(Alpha), Key(Gamma), Key("on-alpha"), Key("on-gamma"), Key("unreachable-on-gamma") }.Select(k => k.ToString()).Order(StringComparer.Ordinal),
            outcome.Touched.Select(k => k.ToString()).Order(StringComparer.Ordinal));
        // The old registry is unchanged.
        Assert.Equal(6, r.Agents.Count);
        Assert.Equal(MachineMode.Draining, r.Machines[Alpha].Mode);
    }

    [Fact]
    public void StartMaintenance_OfAnUnscheduledOrDownMachine_IsRejected_AndChangesNothing()
    {
        var r = Applied(Registry.Registry.Empty, new AdmitAgent(AgentOn("on-alpha", "alpha", "10.0.0.1"), 10), CommandStatus.Applied);
        r = Applied(r, Schedule(Window(Soon, Alpha, Beta)), CommandStatus.Applied);
        // All or nothing: Alpha is fine but Gamma is not scheduled.
        var outcome = Outcome(r, new StartMaintenance([Alpha, Gamma]), CommandStatus.Rejected);
        Assert.Contains("not in the maintenance schedule", outcome.Result.Message);
        Assert.Equal(MachineMode.Draining, outcome.Next.Machines[Alpha].Mode);
        Assert.True(outcome.Next.Agents.ContainsKey(new AgentId("on-alpha")));
        r = Applied(r, new StartMaintenance([Beta]), CommandStatus.Applied);
        // A retry (the answer to the first was lost with a leader) is unchanged, not refused.
        var again = Outcome(r, new StartMaintenance([Beta]), CommandStatus.Unchanged);
        Assert.Contains("already DOWN", again.Result.Message);
        Assert.Same(r, again.Next);
        // A machine already DOWN among DRAINING ones is left as it is; the others go DOWN.
        var both = Outcome(r, new StartMaintenance([Alpha, Beta]), CommandStatus.Applied);
        Assert.Equal(MachineMode.Down, both.Next.Machines[Alpha].Mode);
        Assert.Equal(AgentStatus.Gone, both.Next.Agents[new AgentId("on-alpha")].Status);
    }

    [Fact]
    public void StopMaintenance_BringsDownMachinesUp_AndRejectsOthers()
    {
        var r = Scheduled(Window(Soon, Alpha, Beta));
        r = Applied(r, new StartMaintenance([Alpha]), CommandStatus.Applied);
        Applied(r, new StopMaintenance([Beta]), CommandStatus.Rejected); // DRAINING
        Applied(r, new StopMaintenance([Gamma]), CommandStatus.Unchanged); // not scheduled: UP already
        Applied(r, new StopMaintenance([Alpha, Beta]), CommandStatus.Rejected); // all or nothing
        var outcome = Outcome(r, new StopMaintenance([Alpha]), CommandStatus.Applied);
        Assert.Equal(new[] { Key(Alpha) }, outcome.Touched.ToArray());
        Assert.Equal([Beta], outcome.Next.Machines.Keys);
        Assert.Null(outcome.Next.MachineOf(AgentOn("a", "alpha", "10.0.0.1")));
        Applied(outcome.Next, new StopMaintenance([Alpha]), CommandStatus.Unchanged); // a retry
    }

    [Fact]
    public void AdmitAgent_OnADownMachine_IsRejected_AndAllowedOnceItIsUp()
    {
        var r = Scheduled(Window(Soon, Alpha, Gamma));
        // DRAINING machines still admit agents.
        Applied(r, new AdmitAgent(AgentOn("a1", "alpha", "10.0.0.1"), 10), CommandStatus.Applied);
        r = Applied(r, new StartMaintenance([Alpha, Gamma]), CommandStatus.Applied);
        var refused = Outcome(r, new AdmitAgent(AgentOn("a1", "Alpha", "10.0.0.1"), 10), CommandStatus.Rejected);
        Assert.Contains("DOWN", refused.Result.Message);
        Applied(r, new AdmitAgent(AgentOn("a2", "anything", "10.0.0.3"), 10), CommandStatus.Rejected); // Gamma by IP
        // Same hostname, another IP: not Alpha (which names both).
        Applied(r, new AdmitAgent(AgentOn("a3", "alpha", "10.0.0.7"), 10), CommandStatus.Applied);
        r = Applied(r, new StopMaintenance([Alpha]), CommandStatus.Applied);
        var admitted = Applied(r, new AdmitAgent(AgentOn("a1", "alpha", "10.0.0.1"), 10), CommandStatus.Applied);
        Assert.Equal(AgentStatus.Active, admitted.Agents[new AgentId("a1")].Status);
        Applied(r, new AdmitAgent(AgentOn("a2", "anything", "10.0.0.3"), 10), CommandStatus.Rejected); // Gamma is still DOWN
    }

    [Fact]
    public void ReadmitAgent_OntoADownMachine_IsRejected_AndAllowedOnceItIsUp()
    {
        var r = Applied(Registry.Registry.Empty, new AdmitAgent(AgentOn("a1", "elsewhere", "10.0.0.50"), 10), CommandStatus.Applied);
        r = Applied(r, new MarkAgentUnreachable(new AgentId("a1"), 20), CommandStatus.Applied);
        r = Applied(r, Schedule(Window(Soon, Alpha)), CommandStatus.Applied);
        r = Applied(r, new StartMaintenance([Alpha]), CommandStatus.Applied);
        Assert.True(r.Agents.ContainsKey(new AgentId("a1"))); // not on Alpha: kept
        var refused = Outcome(r, new ReadmitAgent(AgentOn("a1", "alpha", "10.0.0.1"), 30), CommandStatus.Rejected);
        Assert.Contains("DOWN", refused.Result.Message);
        Assert.Equal(AgentStatus.Unreachable, refused.Next.Agents[new AgentId("a1")].Status);
        r = Applied(r, new StopMaintenance([Alpha]), CommandStatus.Applied);
        r = Applied(r, new ReadmitAgent(AgentOn("a1", "alpha", "10.0.0.1"), 30), CommandStatus.Applied);
        Assert.Equal(AgentStatus.Active, r.Agents[new AgentId("a1")].Status);
        Assert.Equal("alpha", r.Agents[new AgentId("a1")].Info.Hostname);
    }

    [Fact]
    public void MachineOf_FindsTheFirstScheduledMachineHoldingTheAgent()
    {
        var hostOnly = MachineId.Of("alpha", "");
        var r = Scheduled(Window(Later, Gamma), Window(Soon, Alpha, hostOnly));
        Assert.Equal(Alpha, r.MachineOf(AgentOn("a", "alpha", "10.0.0.1"))!.Id);
        Assert.Equal(hostOnly, r.MachineOf(AgentOn("a", "alpha", "10.0.0.2"))!.Id);
        Assert.Equal(Gamma, r.MachineOf(AgentOn("a", "alpha", "10.0.0.3"))!.Id);
        Assert.Null(r.MachineOf(AgentOn("a", "beta", "10.0.0.1")));
        Assert.Null(Registry.Registry.Empty.MachineOf(AgentOn("a", "alpha", "10.0.0.1")));
    }

    [Fact]
    public void MachineId_HoldsAgents_ByTheNamedParts()
    {
        Assert.True(Alpha.Holds("alpha", "10.0.0.1"));
        Assert.True(Alpha.Holds("ALPHA", "10.0.0.1"));
        Assert.False(Alpha.Holds("alpha", "10.0.0.2"));
        Assert.False(Alpha.Holds("beta", "10.0.0.1"));
        Assert.True(Beta.Holds("beta", "1.2.3.4"));
        Assert.True(Gamma.Holds("any", "10.0.0.3"));
        Assert.False(Gamma.Holds("any", "10.0.0.30"));
        Assert.False(MachineId.Of("", "").Holds("", ""));
        Assert.True(MachineId.Of("", "::1").Holds(AgentOn("a", "h", "[::1]")));
        Assert.Equal(new MachineId("alpha", "10.0.0.1"), MachineId.Of("  Alpha ", " 10.0.0.1 "));
    }

    [Fact]
    public void Image_RoundTrip_CarriesTheMachines()
    {
        var r = Applied(Registry.Registry.Empty, Admit("a1"), CommandStatus.Applied);
        r = Applied(r, Schedule(Window(Later, Zeta, Alpha), Window(Soon, Gamma, Beta)), CommandStatus.Applied);
        r = Applied(r, new SetInverseOfferStatus(Zeta, F2, InverseOfferAnswer.Decline, 7), CommandStatus.Applied);
        r = Applied(r, new SetInverseOfferStatus(Zeta, F1, InverseOfferAnswer.Accept, 8), CommandStatus.Applied);
        r = Applied(r, new StartMaintenance([Gamma]), CommandStatus.Applied);

        var image = r.ToImage();
        Assert.Equal([Zeta, Alpha, Gamma, Beta], image.Machines.Select(m => m.Id));
        var back = RegistryCodec.DecodeImage(RegistryCodec.EncodeImage(r));
        Assert.Equal(RegistryCodec.Digest(r), RegistryCodec.Digest(back));
        Assert.NotEqual(RegistryCodec.Digest(r), RegistryCodec.Digest(Applied(r, new StopMaintenance([Gamma]), CommandStatus.Applied)));
        Assert.Equal(Describe(r), Describe(back));
        Assert.Equal(MachineMode.Down, back.Machines[Gamma].Mode);
        Assert.Equal(MachineMode.Draining, back.Machines[Zeta].Mode);
        Assert.Equal("f1=Accept@8, f2=Decline@7", Statuses(back, Zeta));
        Assert.Equal(Later, back.Machines[Alpha].Unavailability);
        Assert.Equal(Soon, back.Machines[Beta].Unavailability);
        Assert.Single(back.Agents);
        // The restored registry still enforces the rules.
        Applied(back, new StopMaintenance([Zeta]), CommandStatus.Rejected);
        Applied(back, new AdmitAgent(AgentOn("x", "h", "10.0.0.3"), 1), CommandStatus.Rejected);
    }

    [Fact]
    public void Records_RoundTrip_CarryTheMachines_UnderMachineKeys()
    {
        var r = Applied(Registry.Registry.Empty, Admit("a1"), CommandStatus.Applied);
        r = Applied(r, Schedule(Window(Later, Zeta, Alpha), Window(Soon, Gamma)), CommandStatus.Applied);
        r = Applied(r, new SetInverseOfferStatus(Alpha, F1, InverseOfferAnswer.Decline, 9), CommandStatus.Applied);
        r = Applied(r, new StartMaintenance([Zeta]), CommandStatus.Applied);

        var records = r.AllRecords().ToArray();
        var machineKeys = records.Where(x => x.Key.Kind == RegistryKeyKind.Machine).Select(x => x.Key.ToString()).ToArray();
        Assert.Equal(["m/zeta/", "m/alpha/10.0.0.1", "m//10.0.0.3"], machineKeys);
        foreach (var (key, record) in records)
        {
            Assert.True(RegistryKey.TryParse(key.ToBytes(), out var parsedKey));
            Assert.Equal(key, parsedKey);
            Assert.Same(record, r.Find(key));
        }
        var decoded = records.Select(x => RegistryCodec.DecodeRecord(x.Key.Kind, RegistryCodec.EncodeRecord(x.Record))).ToArray();
        var alpha = Assert.IsType<MachineRecord>(decoded.Single(d => d is MachineRecord { Id.Hostname: "alpha" }));
        Assert.Equal(Alpha, alpha.Id);
        Assert.Equal(MachineMode.Draining, alpha.Mode);
        Assert.Equal(Later, alpha.Unavailability);
        Assert.Equal((0, 1), (alpha.Window, alpha.Order));
        Assert.Equal(new InverseOfferStatusRecord(F1, InverseOfferAnswer.Decline, 9), Assert.Single(alpha.Statuses));

        // Any order of records rebuilds the same registry.
        var fromRecords = Registry.Registry.FromRecords(decoded.Reverse());
        Assert.Equal(RegistryCodec.Digest(r), RegistryCodec.Digest(fromRecords));
        Assert.Equal(Describe(r), Describe(fromRecords));
        Assert.Equal(MachineMode.Down, fromRecords.Machines[Zeta].Mode);
    }

    public static TheoryData<RegistryCommand, string> InvalidMaintenanceCommands => new()
    {
        { Schedule(Window(Soon, Alpha), Window(Later, Beta, Alpha)), "more than once" },
        { Schedule(Window(Soon, Alpha, Alpha)), "more than once" },
        { Schedule(Window(Soon, new MachineId("", ""))), "needs a hostname or an ip" },
        { Schedule(Window(Soon, new MachineId("Alpha", ""))), "not in lower case" },
        { Schedule(Window(Soon, new MachineId("alpha", "10.0.0.300"))), "not an IP address" },
        { Schedule(Window(Soon, new MachineId("", "not-an-ip"))), "not an IP address" },
        { Schedule(Window(new Unavailability(0, -1), Alpha)), "negative duration" },
        { Schedule(Window(new Unavailability(-1, null), Alpha)), "before 1970" },
        { Schedule(Window(Soon)), "names no machine" },
        { new StartMaintenance([]), "no machines given" },
        { new StopMaintenance([]), "no machines given" },
        { new StartMaintenance([Alpha, Alpha]), "named twice" },
        { new StopMaintenance([new MachineId("BETA", "")]), "not in lower case" },
        { new StartMaintenance([new MachineId("", "")]), "needs a hostname or an ip" },
        { new StopMaintenance([new MachineId("", "10.0.0.256")]), "not an IP address" },
        { new SetInverseOfferStatus(Alpha, F1, InverseOfferAnswer.Accept, -1), "negative" },
        { new SetInverseOfferStatus(Alpha, new FrameworkId(""), InverseOfferAnswer.Accept, 1), "framework id is empty" },
        { new SetInverseOfferStatus(Alpha, F1, (InverseOfferAnswer)9, 1), "unknown inverse offer status" },
        { new SetInverseOfferStatus(new MachineId("", "x"), F1, InverseOfferAnswer.Accept, 1), "not an IP address" },
    };

    [Theory]
    [MemberData(nameof(InvalidMaintenanceCommands))]
    public void Validate_InvalidMaintenanceCommand_SaysWhatIsWrong(RegistryCommand command, string expected)
    {
        var error = RegistryCommandValidator.Validate(command);
        Assert.NotNull(error);
        Assert.Contains(expected, error);
        Assert.Throws<InvalidRegistryCommandException>(() =>
            RegistryCommandCodec.Encode(new CommandEnvelope(RegistryCommandCodec.CurrentVersion, Guid.NewGuid(), command)));
    }

    [Fact]
    public void Validate_AShortenedIPv4Address_IsRefused()
    {
        Assert.Contains("not an IP address", RegistryCommandValidator.Validate(new StartMaintenance([new MachineId("", "10.0.0")])));
        Assert.Contains("not an IP address", RegistryCommandValidator.Validate(new StartMaintenance([new MachineId("", "1")])));
    }

    public static TheoryData<RegistryCommand> ValidMaintenanceCommands => new()
    {
        Schedule(Window(Soon, Alpha, Beta), Window(Later, Gamma, MachineId.Of("", "fe80::1"))),
        Schedule(),
        new StartMaintenance([Alpha, Gamma]),
        new StopMaintenance([Beta]),
        new SetInverseOfferStatus(Alpha, F1, InverseOfferAnswer.Decline, 5),
    };

    [Theory]
    [MemberData(nameof(ValidMaintenanceCommands))]
    public void MaintenanceCommands_AreValid_AndRoundTripThroughTheirEncoding(RegistryCommand command)
    {
        Assert.Null(RegistryCommandValidator.Validate(command));
        var envelope = new CommandEnvelope(RegistryCommandCodec.CurrentVersion, Guid.NewGuid(), command);
        var bytes = RegistryCommandCodec.Encode(envelope);
        Assert.True(RegistryCommandCodec.TryDecode(bytes, out var back, out var error), error);
        Assert.Equal(command.GetType(), back!.Command.GetType());
        Assert.Equal(bytes, RegistryCommandCodec.Encode(back));
    }
}
