using Mesos.HA.Master.Allocation;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>Machines in the maintenance schedule, in the core: offers' unavailability, inverse offers and their answers, DOWN machines.</summary>
public class MasterCoreMachineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly FrameworkId F1 = new("f1"), F2 = new("f2"), F3 = new("f3"), F4 = new("f4");
    private static readonly AgentId A1 = new("a1"), A2 = new("a2"), A3 = new("a3");
    private static readonly Unavailability Soon = new(1_796_000_000_000_000_000, 3_600_000_000_000);
    private static readonly Unavailability Later = new(1_797_000_000_000_000_000, null);
    private static readonly MachineId H1 = MachineId.Of("h1", ""), H3 = MachineId.Of("", "10.0.0.3");
    private static Resources R(string text) => ResourceText.Parse(text);

    private static AgentInfo Info(AgentId id, string hostname, string ip, string resources = "cpus:4;mem:1024") =>
        new(id, hostname, $"{ip}:5051", resources, new Dictionary<string, string>());

    private static MachineRecord Machine(MachineId id, MachineMode mode, Unavailability unavailability, int window = 0, int order = 0,
        params InverseOfferStatusRecord[] statuses) => new(id, mode, unavailability, statuses, window, order);

    private static ReportedTask Running(string task, FrameworkId framework, string role = "web", string resources = "cpus:1;mem:128") =>
        new(new TaskId(task), framework, role, R(resources), TaskState.Running);

    /// <summary>A core, the agents it knows, and ticks that keep those agents alive (their pings answered).</summary>
    private sealed class Cluster
    {
        public MasterCore Core { get; }
        private readonly List<AgentId> agents = [];

        public Cluster(TimeSpan? offerTimeout = null) =>
            Core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "m", OfferTimeout = offerTimeout });

        /// <summary>A new agent registers and its admission commits.</summary>
        public IReadOnlyList<Effect> Register(AgentInfo info, DateTimeOffset at)
        {
            agents.Add(info.Id);
            var admit = Assert.IsType<AdmitAgent>(Assert.IsType<ProposeRegistry>(Core.Handle(new AgentRegistering(info), at)[0]).Command);
            return Core.Handle(new RegistryWriteCommitted(admit), at);
        }

        /// <summary>An agent the registry holds re-registers with what it runs (after a failover), taking effect at once.</summary>
        public IReadOnlyList<Effect> Reregister(AgentInfo info, DateTimeOffset at, IReadOnlyList<ReportedTask> running,
            IReadOnlyList<ReportedExecutor>? executors = null)
        {
            agents.Add(info.Id);
            return Core.Handle(new AgentReregistering(info, running, InRegistry: true, WasUnreachable: false) { Executors = executors ?? [] }, at);
        }

        public IReadOnlyList<Effect> Tick(DateTimeOffset at)
        {
            foreach (var agent in agents) Core.Handle(new AgentHeartbeat(agent), at);
            return Core.Handle(new Tick(new Dictionary<string, double>(), new Dictionary<string, RoleQuota>()), at);
        }

        public IReadOnlyList<Effect> Schedule(DateTimeOffset at, params MachineRecord[] machines) => Core.Handle(new MaintenanceUpdated(machines), at);
    }

    private static IEnumerable<Offer> OffersIn(IReadOnlyList<Effect> effects) => effects.OfType<SendOffers>().SelectMany(s => s.Offers);

    private static IEnumerable<InverseOffer> InverseOffersIn(IReadOnlyList<Effect> effects) =>
        effects.OfType<SendInverseOffers>().SelectMany(s => s.InverseOffers);

    private static string Describe(IEnumerable<InverseOffer> inverse) =>
        string.Join(", ", inverse.Select(i => $"{i.Framework.Value}@{i.Agent.Value}").Order(StringComparer.Ordinal));

    /// <summary>
    /// a1 (h1, on the DRAINING machine H1) runs t1 and t2 of f1 and t3 of f2; a2 (h2, UP) runs t4 of f3; a3 (10.0.0.3, DRAINING machine H3)
    /// runs t5 of f1; every framework's roles are suppressed, so only tasks hold resources.
    /// </summary>
    private static Cluster Draining(bool f2PartitionAware = false)
    {
        var c = new Cluster();
        c.Core.AddFramework(F1, ["web"], partitionAware: true, TimeSpan.FromHours(1));
        c.Core.AddFramework(F2, ["batch"], partitionAware: f2PartitionAware, TimeSpan.FromHours(1));
        c.Core.AddFramework(F3, ["other"], partitionAware: true, TimeSpan.FromHours(1));
        c.Core.Suppress(F1, "web");
        c.Core.Suppress(F2, "batch");
        c.Core.Suppress(F3, "other");
        c.Reregister(Info(A1, "h1", "10.0.0.1"), T0, [Running("t1", F1), Running("t2", F1), Running("t3", F2, "batch")]);
        c.Reregister(Info(A2, "h2", "10.0.0.2"), T0, [Running("t4", F3, "other")]);
        c.Reregister(Info(A3, "h3", "10.0.0.3"), T0, [Running("t5", F1)]);
        c.Schedule(T0, Machine(H1, MachineMode.Draining, Soon, 0, 0), Machine(H3, MachineMode.Draining, Later, 1, 0));
        return c;
    }

    [Fact]
    public void Offers_CarryTheUnavailability_OnlyFromAgentsOfDrainingMachines()
    {
        var c = new Cluster();
        c.Core.AddFramework(F1, ["web"]);
        c.Register(Info(A1, "h1", "10.0.0.1"), T0);
        c.Register(Info(A2, "h2", "10.0.0.2"), T0);
        c.Register(Info(A3, "h3", "10.0.0.3"), T0);
        c.Schedule(T0, Machine(H1, MachineMode.Draining, Soon), Machine(H3, MachineMode.Draining, Later, 1, 0));
        var offers = OffersIn(c.Tick(T0.AddSeconds(1))).ToDictionary(o => o.Agent);
        Assert.Equal(3, offers.Count);
        Assert.Equal(Soon, offers[A1].Unavailability);
        Assert.Null(offers[A2].Unavailability);
        Assert.Equal(Later, offers[A3].Unavailability);
    }

    [Fact]
    public void NoSchedule_NoUnavailability_AndNoInverseOffers()
    {
        var c = new Cluster();
        c.Core.AddFramework(F1, ["web"]);
        c.Register(Info(A1, "h1", "10.0.0.1"), T0);
        var effects = c.Tick(T0.AddSeconds(1));
        Assert.Null(Assert.Single(OffersIn(effects)).Unavailability);
        Assert.Empty(effects.OfType<SendInverseOffers>());
        Assert.Empty(c.Core.InverseOffers);
    }

    [Fact]
    public void InverseOffers_GoOnlyToConnectedFrameworksHoldingResourcesOnDrainingAgents_OnePerFrameworkAndAgent()
    {
        var c = Draining();
        // f4 runs a task on a1 but is disconnected: it is not asked. f3 holds a custom executor on a3 only.
        c.Core.AddFramework(F4, ["web"], partitionAware: true, TimeSpan.FromHours(1));
        c.Core.Suppress(F4, "web");
        c.Core.Handle(new FrameworkDisconnected(F4), T0);
        c.Reregister(Info(A3, "h3", "10.0.0.3"), T0, [Running("t5", F1)],
            [new ReportedExecutor(F3, "other", new ExecutorLaunch("e1", "e", "run", R("cpus:0.5;mem:32")))]);
        c.Reregister(Info(A1, "h1", "10.0.0.1"), T0, [Running("t1", F1), Running("t2", F1), Running("t3", F2, "batch"), Running("t6", F4)]);

        var effects = c.Tick(T0.AddSeconds(1));
        Assert.Empty(OffersIn(effects));
        var sends = effects.OfType<SendInverseOffers>().ToArray();
        Assert.Equal([F1, F2, F3], sends.Select(s => s.Framework)); // one event per framework, in id order
        Assert.All(sends, s => Assert.All(s.InverseOffers, i => Assert.Equal(s.Framework, i.Framework)));
        Assert.Equal("f1@a1, f1@a3, f2@a1, f3@a3", Describe(InverseOffersIn(effects)));
        var inverse = InverseOffersIn(effects).ToArray();
        Assert.All(inverse, i => Assert.Equal(i.Agent == A1 ? Soon : Later, i.Unavailability));
        Assert.All(inverse, i => Assert.Equal(T0.AddSeconds(1), i.CreatedAt));
        Assert.Equal(4, inverse.Select(i => i.Id).Distinct().Count());
        Assert.Equal("f1@a1, f1@a3, f2@a1, f3@a3", Describe(c.Core.InverseOffers));

        // Outstanding: not sent again.
        Assert.Empty(c.Tick(T0.AddSeconds(2)).OfType<SendInverseOffers>());
        Assert.Empty(c.Tick(T0.AddMinutes(10)).OfType<SendInverseOffers>());
    }

    [Fact]
    public void InverseOffers_GoToAFrameworkHoldingAnOfferOnADrainingAgent()
    {
        var c = new Cluster();
        c.Core.AddFramework(F1, ["web"]);
        c.Register(Info(A1, "h1", "10.0.0.1"), T0);
        c.Register(Info(A2, "h2", "10.0.0.2"), T0);
        c.Schedule(T0, Machine(H1, MachineMode.Draining, Soon));
        var effects = c.Tick(T0.AddSeconds(1));
        Assert.Equal(2, OffersIn(effects).Count());
        var inverse = Assert.Single(InverseOffersIn(effects));
        Assert.Equal((F1, A1, Soon), (inverse.Framework, inverse.Agent, inverse.Unavailability));
        // Sent after the offers of the same allocation.
        Assert.True(effects.ToList().FindIndex(e => e is SendInverseOffers) > effects.ToList().FindIndex(e => e is SendOffers));
    }

    [Fact]
    public void Accepting_ProposesTheStatus_ThenNoInverseOfferUntilTheDefaultRefuseTimePassed()
    {
        var c = Draining();
        var first = InverseOffersIn(c.Tick(T0.AddSeconds(1))).Single(i => i.Framework == F1 && i.Agent == A1);
        var at = T0.AddSeconds(2);
        var effects = c.Core.Handle(new InverseOffersAnswered(F1, [first.Id], Accept: true, Refuse: null), at);
        var status = Assert.IsType<SetInverseOfferStatus>(Assert.IsType<ProposeRegistry>(Assert.Single(effects)).Command);
        Assert.Equal(new SetInverseOfferStatus(H1, F1, InverseOfferAnswer.Accept, at.ToUnixTimeMilliseconds()), status);
        Assert.DoesNotContain(c.Core.InverseOffers, i => i.Id == first.Id);
        Assert.Equal("f1@a3, f2@a1", Describe(c.Core.InverseOffers));

        Assert.Empty(c.Tick(at.AddSeconds(1)).OfType<SendInverseOffers>());
        Assert.Empty(c.Tick(at.AddSeconds(4.999)).OfType<SendInverseOffers>());
        var again = Assert.Single(InverseOffersIn(c.Tick(at.AddSeconds(5))));
        Assert.Equal((F1, A1), (again.Framework, again.Agent));
        Assert.NotEqual(first.Id, again.Id);
    }

    [Fact]
    public void Declining_WithARefuseTime_ProposesTheDecline_AndWaitsThatLong()
    {
        var c = Draining();
        var mine = InverseOffersIn(c.Tick(T0.AddSeconds(1))).Where(i => i.Framework == F1).ToArray();
        Assert.Equal(2, mine.Length);
        var at = T0.AddSeconds(3);
        var effects = c.Core.Handle(new InverseOffersAnswered(F1, [.. mine.Select(i => i.Id)], Accept: false, TimeSpan.FromSeconds(30)), at);
        var writes = effects.OfType<ProposeRegistry>().Select(p => Assert.IsType<SetInverseOfferStatus>(p.Command)).ToArray();
        Assert.Equal(2, effects.Count);
        Assert.Equal(
            [new SetInverseOfferStatus(H1, F1, InverseOfferAnswer.Decline, at.ToUnixTimeMilliseconds()),
             new SetInverseOfferStatus(H3, F1, InverseOfferAnswer.Decline, at.ToUnixTimeMilliseconds())],
            writes.OrderBy(w => w.Machine.Key, StringComparer.Ordinal).Reverse());
        Assert.Empty(c.Tick(at.AddSeconds(29)).OfType<SendInverseOffers>());
        Assert.Equal("f1@a1, f1@a3", Describe(InverseOffersIn(c.Tick(at.AddSeconds(30)))));
    }

    [Fact]
    public void AZeroRefuseTime_AsksAgainAtTheNextAllocation()
    {
        var c = Draining();
        var first = InverseOffersIn(c.Tick(T0.AddSeconds(1))).Single(i => i.Framework == F2);
        Assert.Single(c.Core.Handle(new InverseOffersAnswered(F2, [first.Id], Accept: false, TimeSpan.Zero), T0.AddSeconds(2)).OfType<ProposeRegistry>());
        var again = Assert.Single(InverseOffersIn(c.Tick(T0.AddSeconds(2))));
        Assert.Equal((F2, A1), (again.Framework, again.Agent));
    }

    [Fact]
    public void AnsweringUnknownOrAnotherFrameworksInverseOffers_IsRejected_AndChangesNothing()
    {
        var c = Draining();
        var sent = InverseOffersIn(c.Tick(T0.AddSeconds(1))).ToArray();
        var f1s = sent.First(i => i.Framework == F1);
        var f2s = sent.Single(i => i.Framework == F2);

        var foreign = Assert.Single(c.Core.Handle(new InverseOffersAnswered(F2, [f1s.Id], true, null), T0.AddSeconds(2)));
        Assert.Equal(F2, Assert.IsType<CallRejected>(foreign).Framework);
        Assert.Contains(f1s.Id.Value, ((CallRejected)foreign).Message);

        var unknown = Assert.Single(c.Core.Handle(new InverseOffersAnswered(F2, [new OfferId("nope"), f2s.Id], false, null), T0.AddSeconds(2)));
        Assert.Contains("nope", Assert.IsType<CallRejected>(unknown).Message);

        // An offer id is not an inverse offer id.
        var d = new Cluster();
        d.Core.AddFramework(F1, ["web"]);
        d.Register(Info(A1, "h1", "10.0.0.1"), T0);
        var offer = Assert.Single(OffersIn(d.Tick(T0.AddSeconds(1))));
        Assert.IsType<CallRejected>(Assert.Single(d.Core.Handle(new InverseOffersAnswered(F1, [offer.Id], true, null), T0.AddSeconds(2))));

        Assert.Equal(3, c.Core.InverseOffers.Count); // every one still outstanding
        Assert.Empty(c.Tick(T0.AddSeconds(3)).OfType<SendInverseOffers>());
        // The right framework may still answer.
        Assert.Single(c.Core.Handle(new InverseOffersAnswered(F2, [f2s.Id], true, null), T0.AddSeconds(4)).OfType<ProposeRegistry>());
    }

    [Fact]
    public void AMachineGoingDown_StopsItsAgents_WhoseTasksAreGoneOrLost_AndNothingIsOfferedFromThem()
    {
        var c = Draining(f2PartitionAware: false);
        c.Core.Revive(F1, "web");
        var tick = c.Tick(T0.AddSeconds(1));
        var a1Offers = OffersIn(tick).Where(o => o.Agent == A1).ToArray();
        Assert.NotEmpty(a1Offers);
        var a1Inverse = InverseOffersIn(tick).Where(i => i.Agent == A1).ToArray();
        Assert.Equal(2, a1Inverse.Length);

        var effects = c.Schedule(T0.AddSeconds(2), Machine(H1, MachineMode.Down, Soon), Machine(H3, MachineMode.Draining, Later, 1, 0));
        var stop = Assert.IsType<StopAgent>(effects[0]);
        Assert.Equal(A1, stop.Agent);
        Assert.Contains("h1", stop.Reason);
        Assert.Equal(A1, Assert.Single(effects.OfType<AgentLost>()).Agent);
        Assert.DoesNotContain(effects.OfType<AgentLost>(), l => l.Agent != A1);
        var updates = effects.OfType<SendUpdate>().Select(u => (u.Framework.Value, u.Task.Value, u.State, u.Reason)).ToArray();
        Assert.Equal(
            [("f1", "t1", TaskState.Gone, "REASON_AGENT_REMOVED"), ("f1", "t2", TaskState.Gone, "REASON_AGENT_REMOVED"),
             ("f2", "t3", TaskState.Lost, "REASON_AGENT_REMOVED")],
            updates.OrderBy(u => u.Item2, StringComparer.Ordinal));
        Assert.Equal(a1Offers.Select(o => o.Id.Value).Order(StringComparer.Ordinal), effects.OfType<RescindOffer>().Select(r => r.Offer.Value).Order(StringComparer.Ordinal));
        Assert.Equal(a1Inverse.Select(i => i.Id.Value).Order(StringComparer.Ordinal), effects.OfType<RescindInverseOffer>().Select(r => r.InverseOffer.Value).Order(StringComparer.Ordinal));
        Assert.Empty(effects.OfType<ProposeRegistry>()); // the registry removed the agent with the same write
        Assert.Equal(TaskState.Gone, c.Core.Tasks.Single(t => t.Id.Value == "t1").State);
        Assert.Equal(TaskState.Lost, c.Core.Tasks.Single(t => t.Id.Value == "t3").State);
        Assert.Equal(TaskState.Running, c.Core.Tasks.Single(t => t.Id.Value == "t5").State);
        Assert.DoesNotContain(c.Core.InverseOffers, i => i.Agent == A1);

        // Everything outstanding declined: the next allocation offers what is free, and nothing from a1.
        c.Core.Handle(new DeclineOffers(F1, [.. c.Core.Offers.Select(o => o.Id)], TimeSpan.Zero), T0.AddSeconds(9));
        var after = c.Tick(T0.AddSeconds(10));
        Assert.DoesNotContain(OffersIn(after), o => o.Agent == A1);
        Assert.DoesNotContain(InverseOffersIn(after), i => i.Agent == A1);
        Assert.Contains(OffersIn(after), o => o.Agent == A2);
        Assert.Contains(OffersIn(after), o => o.Agent == A3);
        // Nothing more happens to it on the next schedule update either.
        Assert.DoesNotContain(c.Schedule(T0.AddSeconds(11), Machine(H1, MachineMode.Down, Soon), Machine(H3, MachineMode.Draining, Later, 1, 0)),
            e => e is StopAgent or AgentLost or SendUpdate);
    }

    /// <summary>
    /// A reconciliation reaching the master after the DOWN is answered from what it holds then, as Mesos answers it:
    /// TASK_LOST with REASON_RECONCILIATION, after the TASK_LOST with REASON_AGENT_REMOVED. The driver reconciles on
    /// re-subscribing after a failover, and that RECONCILE can cross the DOWN (DriverMaintenanceEndToEndTests accepts it).
    /// </summary>
    [Fact]
    public void AReconciliationAfterAMachineWentDown_AnswersItsTaskLost_ForReconciliation()
    {
        var c = Draining(f2PartitionAware: false);
        var down = c.Schedule(T0.AddSeconds(2), Machine(H1, MachineMode.Down, Soon));
        Assert.Contains(down.OfType<SendUpdate>(), u => (u.Task.Value, u.State, u.Reason) == ("t3", TaskState.Lost, "REASON_AGENT_REMOVED"));
        var answer = Assert.Single(c.Core.Handle(new ReconcileTasks(F2, [(new TaskId("t3"), A1)]), T0.AddSeconds(3)).OfType<SendUpdate>());
        Assert.Equal(("t3", TaskState.Lost, "REASON_RECONCILIATION"), (answer.Task.Value, answer.State, answer.Reason));
    }

    [Fact]
    public void AMachineGoingDown_TasksOfAPartitionAwareFramework_AreGone()
    {
        var c = Draining(f2PartitionAware: true);
        var effects = c.Schedule(T0.AddSeconds(2), Machine(H1, MachineMode.Down, Soon));
        Assert.All(effects.OfType<SendUpdate>(), u => Assert.Equal(TaskState.Gone, u.State));
        Assert.Equal(["t1", "t2", "t3"], effects.OfType<SendUpdate>().Select(u => u.Task.Value).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AChangedUnavailability_RescindsTheAgentsOffersAndInverseOffers_WhichComeBackWithTheNewOne()
    {
        var c = Draining();
        c.Core.Revive(F1, "web");
        var tick = c.Tick(T0.AddSeconds(1));
        var offers = OffersIn(tick).ToArray();
        var inverse = InverseOffersIn(tick).ToArray();
        Assert.Equal(Soon, offers.Single(o => o.Agent == A1).Unavailability);
        // f2 declines a1's inverse offer for a long time: a new unavailability asks it again anyway.
        var f2s = inverse.Single(i => i.Framework == F2);
        c.Core.Handle(new InverseOffersAnswered(F2, [f2s.Id], false, TimeSpan.FromHours(1)), T0.AddSeconds(2));

        var moved = new Unavailability(Soon.StartNs + 1, Soon.DurationNs);
        var effects = c.Schedule(T0.AddSeconds(3), Machine(H1, MachineMode.Draining, moved), Machine(H3, MachineMode.Draining, Later, 1, 0));
        Assert.Equal(offers.Where(o => o.Agent == A1).Select(o => o.Id.Value).Order(StringComparer.Ordinal), effects.OfType<RescindOffer>().Select(r => r.Offer.Value).Order(StringComparer.Ordinal));
        Assert.Equal(inverse.Where(i => i.Agent == A1 && i.Framework == F1).Select(i => i.Id), effects.OfType<RescindInverseOffer>().Select(r => r.InverseOffer));
        Assert.DoesNotContain(effects, e => e is StopAgent or AgentLost or SendUpdate);
        Assert.Contains(AllocationWanted.Instance, effects);
        Assert.Contains(c.Core.InverseOffers, i => i.Agent == A3); // a3's unavailability did not change

        var next = c.Tick(T0.AddSeconds(4));
        Assert.Equal(moved, OffersIn(next).Single(o => o.Agent == A1).Unavailability);
        Assert.Equal("f1@a1, f2@a1", Describe(InverseOffersIn(next)));
        Assert.All(InverseOffersIn(next), i => Assert.Equal(moved, i.Unavailability));
    }

    [Fact]
    public void AScheduleUpdateKeepingTheUnavailability_RescindsNothing()
    {
        var c = Draining();
        c.Core.Revive(F1, "web");
        var tick = c.Tick(T0.AddSeconds(1));
        Assert.NotEmpty(OffersIn(tick));
        // Answers recorded and the order changed, the unavailability the same.
        var effects = c.Schedule(T0.AddSeconds(2),
            Machine(H3, MachineMode.Draining, Later, 0, 0),
            Machine(H1, MachineMode.Draining, Soon, 1, 0, new InverseOfferStatusRecord(F1, InverseOfferAnswer.Accept, 5)));
        Assert.Empty(effects.OfType<RescindOffer>());
        Assert.Empty(effects.OfType<RescindInverseOffer>());
        Assert.Equal("f1@a1, f1@a3, f2@a1", Describe(c.Core.InverseOffers));
    }

    [Fact]
    public void AMachineBackUp_RescindsTheAgentsOffersWithTheUnavailability_AndNoInverseOffersFollow()
    {
        var c = Draining();
        c.Core.Revive(F1, "web");
        var tick = c.Tick(T0.AddSeconds(1));
        var effects = c.Schedule(T0.AddSeconds(2), Machine(H3, MachineMode.Draining, Later));
        Assert.Equal(OffersIn(tick).Where(o => o.Agent == A1).Select(o => o.Id.Value).Order(StringComparer.Ordinal), effects.OfType<RescindOffer>().Select(r => r.Offer.Value).Order(StringComparer.Ordinal));
        Assert.Equal(2, effects.OfType<RescindInverseOffer>().Count());
        var next = c.Tick(T0.AddSeconds(3));
        Assert.Null(OffersIn(next).Single(o => o.Agent == A1).Unavailability);
        Assert.Empty(InverseOffersIn(next));
        Assert.Equal("f1@a3", Describe(c.Core.InverseOffers));
    }

    public static TheoryData<string, string, string> Placements => new()
    {
        // agent hostname, agent ip, the machine it is on ("" for none)
        { "byname", "10.0.0.9", "byname" },
        { "BYNAME", "10.0.0.8", "byname" },
        { "anything", "10.0.0.2", "byip" },
        { "both", "10.0.0.3", "both" },
        { "both", "10.0.0.4", "" },
        { "other", "10.0.0.3", "" },
        { "bynam", "10.0.0.20", "" },
    };

    [Theory]
    [MemberData(nameof(Placements))]
    public void Agents_ArePlacedOnMachines_ByHostnameAndIp_WhicheverWayRoundTheyArrive(string hostname, string ip, string machine)
    {
        var byName = new Unavailability(1_000_000_000, 1);
        var byIp = new Unavailability(2_000_000_000, 2);
        var both = new Unavailability(3_000_000_000, 3);
        MachineRecord[] schedule =
        [
            Machine(MachineId.Of("byname", ""), MachineMode.Draining, byName, 0, 0),
            Machine(MachineId.Of("", "10.0.0.2"), MachineMode.Draining, byIp, 1, 0),
            Machine(MachineId.Of("both", "10.0.0.3"), MachineMode.Draining, both, 2, 0),
        ];
        var expected = machine switch { "byname" => byName, "byip" => byIp, "both" => both, _ => null };
        foreach (var scheduleFirst in new[] { true, false })
        {
            var c = new Cluster();
            c.Core.AddFramework(F1, ["web"]);
            if (scheduleFirst) c.Schedule(T0, schedule);
            c.Register(Info(A1, hostname, ip), T0);
            if (!scheduleFirst) c.Schedule(T0, schedule);
            var effects = c.Tick(T0.AddSeconds(1));
            Assert.Equal(expected, Assert.Single(OffersIn(effects)).Unavailability);
            Assert.Equal(expected is null ? 0 : 1, InverseOffersIn(effects).Count());
        }
    }

    [Fact]
    public void ANewLeader_RestoresTheScheduleFromLeadershipStarted_ForAgentsReregistering()
    {
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "n" });
        core.Handle(new LeadershipStarted([A1, A2], TimeSpan.FromMinutes(1), [new RecoveredFramework(F1, ["web"], true, TimeSpan.FromHours(1), null)])
        {
            Machines = [Machine(H3, MachineMode.Draining, Later, 1, 0), Machine(H1, MachineMode.Draining, Soon, 0, 0)],
        }, T0);
        core.Handle(new SubscribeFramework(F1, new FrameworkInfo("fw", "root", ["web"], ["PARTITION_AWARE"], null, null, null),
            TimeSpan.FromHours(1), Known: true), T0);
        core.Handle(new AgentReregistering(Info(A1, "h1", "10.0.0.1"), [Running("t1", F1)], InRegistry: true, WasUnreachable: false), T0);
        core.Handle(new AgentReregistering(Info(A2, "h2", "10.0.0.2"), [Running("t2", F1)], InRegistry: true, WasUnreachable: false), T0);
        var effects = core.Handle(new Tick(new Dictionary<string, double>(), new Dictionary<string, RoleQuota>()), T0.AddSeconds(1));
        var offers = OffersIn(effects).ToDictionary(o => o.Agent);
        Assert.Equal(Soon, offers[A1].Unavailability);
        Assert.Null(offers[A2].Unavailability);
        var inverse = Assert.Single(InverseOffersIn(effects));
        Assert.Equal((F1, A1, Soon), (inverse.Framework, inverse.Agent, inverse.Unavailability));
        Assert.StartsWith("n-", inverse.Id.Value);
    }

    [Fact]
    public void AFrameworkDisconnecting_HasItsInverseOffersRescinded_AndIsAskedAgainOnceBack()
    {
        var c = Draining();
        var sent = InverseOffersIn(c.Tick(T0.AddSeconds(1))).ToArray();
        var effects = c.Core.Handle(new FrameworkDisconnected(F1), T0.AddSeconds(2));
        Assert.Equal(sent.Where(i => i.Framework == F1).Select(i => i.Id.Value).Order(StringComparer.Ordinal),
            effects.OfType<RescindInverseOffer>().Select(r => r.InverseOffer.Value).Order(StringComparer.Ordinal));
        Assert.All(effects.OfType<RescindInverseOffer>(), r => Assert.Equal(F1, r.Framework));
        Assert.Equal("f2@a1", Describe(c.Core.InverseOffers));
        Assert.Empty(c.Tick(T0.AddSeconds(3)).OfType<SendInverseOffers>());

        c.Core.Handle(new SubscribeFramework(F1, new FrameworkInfo("fw", "root", ["web"], ["PARTITION_AWARE"], null, null, null),
            TimeSpan.FromHours(1), Known: true), T0.AddSeconds(4));
        Assert.Equal("f1@a1, f1@a3", Describe(InverseOffersIn(c.Tick(T0.AddSeconds(5)))));
    }

    [Fact]
    public void AFrameworkTornDown_HasItsInverseOffersRescinded()
    {
        var c = Draining();
        var sent = InverseOffersIn(c.Tick(T0.AddSeconds(1))).ToArray();
        var effects = c.Core.Handle(new TeardownFramework(F2), T0.AddSeconds(2));
        Assert.Equal(sent.Single(i => i.Framework == F2).Id, Assert.Single(effects.OfType<RescindInverseOffer>()).InverseOffer);
        Assert.Equal("f1@a1, f1@a3", Describe(c.Core.InverseOffers));
    }

    [Fact]
    public void TheOfferTimeout_ExpiresInverseOffersToo()
    {
        var c = new Cluster(offerTimeout: TimeSpan.FromSeconds(10));
        c.Core.AddFramework(F1, ["web"]);
        c.Core.Suppress(F1, "web");
        c.Reregister(Info(A1, "h1", "10.0.0.1"), T0, [Running("t1", F1)]);
        c.Schedule(T0, Machine(H1, MachineMode.Draining, Soon));
        var first = Assert.Single(InverseOffersIn(c.Tick(T0)));
        Assert.Empty(c.Tick(T0.AddSeconds(9)).OfType<RescindInverseOffer>());
        var expired = c.Tick(T0.AddSeconds(10));
        Assert.Equal(new RescindInverseOffer(F1, first.Id), Assert.Single(expired.OfType<RescindInverseOffer>()));
        // Not refused: the same allocation asks again, with a new inverse offer.
        var again = Assert.Single(InverseOffersIn(expired));
        Assert.NotEqual(first.Id, again.Id);
        Assert.Equal(A1, again.Agent);
    }

    [Fact]
    public void AnAdmissionCommittingAfterItsMachineWentDown_DoesNotCount()
    {
        // The registry applied AdmitAgent before StartMaintenance (which then removed the agent), but the core hears of the schedule first.
        var c = new Cluster();
        c.Core.AddFramework(F1, ["web"]);
        var admit = Assert.IsType<AdmitAgent>(Assert.IsType<ProposeRegistry>(c.Core.Handle(new AgentRegistering(Info(A1, "h1", "10.0.0.1")), T0)[0]).Command);
        c.Schedule(T0, Machine(H1, MachineMode.Down, Soon));
        var committed = c.Core.Handle(new RegistryWriteCommitted(admit), T0);
        Assert.Contains(committed, e => e is StopAgent { Agent: var stopped } && stopped == A1);
        Assert.Contains(committed, e => e is AgentLost { Agent: var lost } && lost == A1);
        Assert.Empty(OffersIn(c.Tick(T0.AddSeconds(1))));
    }
}
