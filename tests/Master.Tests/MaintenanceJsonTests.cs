using System.Text;
using System.Text.Json;
using Mesos.HA.Master.Core;
using Mesos.HA.Master.Operator.V1;
using Mesos.HA.Master.Scheduler;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.Replication.Registry;
using Xunit;
using V1 = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.Master.Tests;

/// <summary>
/// Maintenance on the wire: the scheduler API's ACCEPT/DECLINE_INVERSE_OFFERS and INVERSE_OFFERS/RESCIND_INVERSE_OFFER events
/// and offers' unavailability; the operator API's maintenance calls and GET_MAINTENANCE_SCHEDULE/STATUS; all in Mesos' v1 shape.
/// </summary>
public sealed class MaintenanceJsonTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 12, 0, 0, 500, TimeSpan.Zero);

    /// <summary>An int64 of today's size that a double cannot hold (a double reads it as ...456768).</summary>
    private const long Start = 1_796_040_000_123_456_789;
    private const long Hour = 3_600_000_000_000;

    private static string Text(byte[] json) => Encoding.UTF8.GetString(json);

    private static byte[] Bytes(string json) => Encoding.UTF8.GetBytes(json);

    // ---- scheduler calls ----

    private static SchedulerCall.AnswerInverseOffers ParsedAnswer(string json)
    {
        Assert.True(SchedulerCallJson.TryParse(Bytes(json), out var call, out var error), error);
        return Assert.IsType<SchedulerCall.AnswerInverseOffers>(call);
    }

    [Fact]
    public void AcceptInverseOffers_IsRead_WithItsIdsAndRefuseTime()
    {
        var call = ParsedAnswer("""
            {"type":"ACCEPT_INVERSE_OFFERS","framework_id":{"value":"f-1"},
             "accept_inverse_offers":{"inverse_offer_ids":[{"value":"m-O7"},{"value":"m-O9"}],"filters":{"refuse_seconds":30}}}
            """);
        Assert.Equal(new FrameworkId("f-1"), call.Id);
        Assert.Equal(["m-O7", "m-O9"], call.InverseOffers.Select(i => i.Value));
        Assert.True(call.Accepted);
        Assert.Equal(TimeSpan.FromSeconds(30), call.Refuse);
    }

    [Fact]
    public void DeclineInverseOffers_IsRead_WithoutFiltersLeavingTheRefuseTimeToTheMaster()
    {
        var call = ParsedAnswer("""{"type":"DECLINE_INVERSE_OFFERS","framework_id":{"value":"f-2"},"decline_inverse_offers":{"inverse_offer_ids":[{"value":"x"}]}}""");
        Assert.Equal(new FrameworkId("f-2"), call.Id);
        Assert.Equal(new OfferId("x"), Assert.Single(call.InverseOffers));
        Assert.False(call.Accepted);
        Assert.Null(call.Refuse);

        var quoted = ParsedAnswer("""{"type":"DECLINE_INVERSE_OFFERS","framework_id":{"value":"f-2"},"decline_inverse_offers":{"inverse_offer_ids":[{"value":"x"}],"filters":{"refuse_seconds":"2.5"}}}""");
        Assert.Equal(TimeSpan.FromSeconds(2.5), quoted.Refuse);
    }

    public static TheoryData<string, string> BadInverseOfferCalls => new()
    {
        { """{"type":"ACCEPT_INVERSE_OFFERS","framework_id":{"value":"f"}}""", "ACCEPT_INVERSE_OFFERS needs 'accept_inverse_offers'" },
        { """{"type":"DECLINE_INVERSE_OFFERS","framework_id":{"value":"f"},"decline_inverse_offers":5}""", "DECLINE_INVERSE_OFFERS needs 'decline_inverse_offers'" },
        { """{"type":"ACCEPT_INVERSE_OFFERS","framework_id":{"value":"f"},"accept_inverse_offers":{}}""", """'accept_inverse_offers.inverse_offer_ids' must list at least one {"value": ...}""" },
        { """{"type":"ACCEPT_INVERSE_OFFERS","framework_id":{"value":"f"},"accept_inverse_offers":{"inverse_offer_ids":[]}}""", """'accept_inverse_offers.inverse_offer_ids' must list at least one {"value": ...}""" },
        { """{"type":"DECLINE_INVERSE_OFFERS","framework_id":{"value":"f"},"decline_inverse_offers":{"inverse_offer_ids":[{}]}}""", """'decline_inverse_offers.inverse_offer_ids' must list at least one {"value": ...}""" },
        { """{"type":"DECLINE_INVERSE_OFFERS","framework_id":{"value":"f"},"decline_inverse_offers":{"inverse_offer_ids":[{"value":"a"},{"value":""}]}}""", """'decline_inverse_offers.inverse_offer_ids' must list at least one {"value": ...}""" },
        { """{"type":"ACCEPT_INVERSE_OFFERS","accept_inverse_offers":{"inverse_offer_ids":[{"value":"a"}]}}""", "ACCEPT_INVERSE_OFFERS needs 'framework_id'" },
    };

    [Theory]
    [MemberData(nameof(BadInverseOfferCalls))]
    public void BadInverseOfferCalls_AreRefused_NamingTheField(string json, string expected)
    {
        Assert.False(SchedulerCallJson.TryParse(Bytes(json), out _, out var error));
        Assert.Equal(expected, error);
    }

    // ---- scheduler events ----

    private static readonly Func<AgentId, AgentAddress> Address = a => new AgentAddress($"host-{a.Value}", "10.0.0.1", 5051);

    private const string InverseOffersGolden = """
        {"type":"INVERSE_OFFERS","inverse_offers":{"inverse_offers":[{"id":{"value":"m-O1"},"url":{"scheme":"http","address":{"hostname":"host-a-1","ip":"10.0.0.1","port":5051},"path":"/slave(1)"},"framework_id":{"value":"f-1"},"agent_id":{"value":"a-1"},"unavailability":{"start":{"nanoseconds":1796040000123456789},"duration":{"nanoseconds":3600000000000}}},{"id":{"value":"m-O2"},"url":{"scheme":"http","address":{"hostname":"host-a-2","ip":"10.0.0.1","port":5051},"path":"/slave(1)"},"framework_id":{"value":"f-1"},"agent_id":{"value":"a-2"},"unavailability":{"start":{"nanoseconds":1796040000123456789}}}]}}
        """;

    private const string RescindInverseOfferGolden = """
        {"type":"RESCIND_INVERSE_OFFER","rescind_inverse_offer":{"inverse_offer_id":{"value":"m-O1"}}}
        """;

    private const string OfferWithUnavailabilityGolden = """
        {"type":"OFFERS","offers":{"offers":[{"id":{"value":"o-1"},"framework_id":{"value":"f-1"},"agent_id":{"value":"a-1"},"hostname":"host-a-1","url":{"scheme":"http","address":{"hostname":"host-a-1","ip":"10.0.0.1","port":5051},"path":"/slave(1)"},"resources":[{"name":"cpus","type":"SCALAR","allocation_info":{"role":"web"},"scalar":{"value":1}}],"allocation_info":{"role":"web"},"unavailability":{"start":{"nanoseconds":1796040000123456789},"duration":{"nanoseconds":3600000000000}}},{"id":{"value":"o-2"},"framework_id":{"value":"f-1"},"agent_id":{"value":"a-2"},"hostname":"host-a-2","url":{"scheme":"http","address":{"hostname":"host-a-2","ip":"10.0.0.1","port":5051},"path":"/slave(1)"},"resources":[{"name":"cpus","type":"SCALAR","allocation_info":{"role":"web"},"scalar":{"value":1}}],"allocation_info":{"role":"web"}}]}}
        """;

    public static TheoryData<string, string> Events() => new()
    {
        {
            Text(SchedulerEventJson.InverseOffers(
            [
                new InverseOffer(new OfferId("m-O1"), new FrameworkId("f-1"), new AgentId("a-1"), new Unavailability(Start, Hour), At),
                new InverseOffer(new OfferId("m-O2"), new FrameworkId("f-1"), new AgentId("a-2"), new Unavailability(Start, null), At),
            ], Address)),
            InverseOffersGolden
        },
        { Text(SchedulerEventJson.RescindInverseOffer(new OfferId("m-O1"))), RescindInverseOfferGolden },
        {
            Text(SchedulerEventJson.Offers(
            [
                new Offer(new OfferId("o-1"), new FrameworkId("f-1"), new AgentId("a-1"), "web", ResourceText.Parse("cpus:1"), At)
                    { Unavailability = new Unavailability(Start, Hour) },
                new Offer(new OfferId("o-2"), new FrameworkId("f-1"), new AgentId("a-2"), "web", ResourceText.Parse("cpus:1"), At),
            ], Address)),
            OfferWithUnavailabilityGolden
        },
    };

    [Theory]
    [MemberData(nameof(Events))]
    public void MaintenanceEvents_AreWrittenInMesosShape(string written, string golden) => Assert.Equal(golden, written);

    [Theory]
    [MemberData(nameof(Events))]
    public void MaintenanceEvents_ReadBackThroughTheContracts_AndWriteTheSameText(string written, string golden)
    {
        var e = V1.TolerantJson.Read(Encoding.UTF8.GetBytes(written), V1.SchedulerJsonContext.Default.Event);
        Assert.NotNull(e);
        Assert.Equal(golden, Text(V1.SchedulerJsonContext.Write(e)));
    }

    [Fact]
    public void TheInverseOffersEvent_CarriesTheStartExactly()
    {
        using var document = JsonDocument.Parse(InverseOffersGolden);
        var start = document.RootElement.GetProperty("inverse_offers").GetProperty("inverse_offers")[0]
            .GetProperty("unavailability").GetProperty("start").GetProperty("nanoseconds").GetInt64();
        Assert.Equal(Start, start);
    }

    // ---- operator calls ----

    private static OperatorCall Parsed(string json)
    {
        Assert.True(OperatorCallJson.TryParse(Bytes(json), out var call, out var error, out var notServed), error);
        Assert.False(notServed);
        return call;
    }

    private static string Refusal(string json)
    {
        Assert.False(OperatorCallJson.TryParse(Bytes(json), out _, out var error, out var notServed));
        Assert.False(notServed);
        return error;
    }

    [Fact]
    public void UpdateMaintenanceSchedule_IsRead_InOrder_WithNanosecondsAsNumbersOrStrings_Exactly()
    {
        var call = Assert.IsType<OperatorCall.UpdateMaintenanceSchedule>(Parsed("""
            {"type":"UPDATE_MAINTENANCE_SCHEDULE","update_maintenance_schedule":{"schedule":{"windows":[
              {"machine_ids":[{"hostname":"Zeta.Example.COM"},{"hostname":"alpha","ip":"10.0.0.1"}],
               "unavailability":{"start":{"nanoseconds":1796040000123456789},"duration":{"nanoseconds":"3600000000000"}}},
              {"machine_ids":[{"ip":"10.0.0.3"},{"hostname":" beta ","ip":null}],
               "unavailability":{"start":{"nanoseconds":"1796040000123456789"}}}
            ]}}}
            """));
        Assert.Equal(2, call.Windows.Count);
        Assert.Equal([MachineId.Of("zeta.example.com", ""), new MachineId("alpha", "10.0.0.1")], call.Windows[0].Machines);
        Assert.Equal("zeta.example.com", call.Windows[0].Machines[0].Hostname);
        Assert.Equal(new Unavailability(Start, Hour), call.Windows[0].Unavailability);
        Assert.Equal([new MachineId("", "10.0.0.3"), new MachineId("beta", "")], call.Windows[1].Machines);
        Assert.Equal(new Unavailability(Start, null), call.Windows[1].Unavailability);
        // What it reads is what the registry accepts.
        Assert.Null(RegistryCommandValidator.Validate(new Protocol.Registry.UpdateMaintenanceSchedule(call.Windows)));
    }

    [Fact]
    public void UpdateMaintenanceSchedule_WithoutWindows_ClearsTheSchedule()
    {
        Assert.Empty(Assert.IsType<OperatorCall.UpdateMaintenanceSchedule>(Parsed(
            """{"type":"UPDATE_MAINTENANCE_SCHEDULE","update_maintenance_schedule":{"schedule":{}}}""")).Windows);
        Assert.Empty(Assert.IsType<OperatorCall.UpdateMaintenanceSchedule>(Parsed(
            """{"type":"UPDATE_MAINTENANCE_SCHEDULE","update_maintenance_schedule":{"schedule":{"windows":[]}}}""")).Windows);
    }

    [Fact]
    public void StartAndStopMaintenance_AreRead_WithTheHostnamesInLowerCase()
    {
        var start = Assert.IsType<OperatorCall.StartMaintenance>(Parsed(
            """{"type":"START_MAINTENANCE","start_maintenance":{"machines":[{"hostname":"Host-A"},{"ip":"10.0.0.2"},{"hostname":"b","ip":"::1"}]}}"""));
        Assert.Equal([new MachineId("host-a", ""), new MachineId("", "10.0.0.2"), new MachineId("b", "::1")], start.Machines);
        var stop = Assert.IsType<OperatorCall.StopMaintenance>(Parsed(
            """{"type":"STOP_MAINTENANCE","stop_maintenance":{"machines":[{"hostname":"HOST-A","ip":"10.0.0.1"}]}}"""));
        Assert.Equal(new MachineId("host-a", "10.0.0.1"), Assert.Single(stop.Machines));
    }

    private const string Update = """{"type":"UPDATE_MAINTENANCE_SCHEDULE","update_maintenance_schedule":{"schedule":{"windows":[""";
    private const string End = "]}}}";
    private const string Soon = """{"start":{"nanoseconds":1796040000123456789}}""";
    private const string W0 = "'update_maintenance_schedule.schedule.windows[0]";

    public static TheoryData<string, string> BadOperatorCalls => new()
    {
        // missing parts
        { Update + """{"unavailability":""" + Soon + "}" + End, W0 + ".machine_ids' is missing" },
        { Update + """{"machine_ids":[],"unavailability":""" + Soon + "}" + End, W0 + ".machine_ids' names no machine" },
        { Update + """{"machine_ids":[{"hostname":"a"}]}""" + End, W0 + ".unavailability' is missing or not an object" },
        { Update + """{"machine_ids":[{"hostname":"a"}],"unavailability":{}}""" + End, W0 + ".unavailability.start' is missing" },
        { Update + """{"machine_ids":[{}],"unavailability":""" + Soon + "}" + End, W0 + ".machine_ids[0]': a machine id needs a hostname or an ip" },
        { """{"type":"START_MAINTENANCE","start_maintenance":{"machines":[]}}""", "'start_maintenance.machines' names no machine" },
        { """{"type":"STOP_MAINTENANCE","stop_maintenance":{}}""", "'stop_maintenance.machines' is missing" },
        { """{"type":"START_MAINTENANCE"}""", "'start_maintenance' is missing or not an object" },
        { """{"type":"UPDATE_MAINTENANCE_SCHEDULE","update_maintenance_schedule":{}}""", "'schedule' is missing or not an object" },
        // bad values
        { """{"type":"START_MAINTENANCE","start_maintenance":{"machines":[{"hostname":"a"},{"ip":"not-an-ip"}]}}""", "'start_maintenance.machines[1]': machine ip 'not-an-ip' is not an IP address" },
        { """{"type":"STOP_MAINTENANCE","stop_maintenance":{"machines":[{"ip":"10.0.0.256"}]}}""", "'stop_maintenance.machines[0]': machine ip '10.0.0.256' is not an IP address" },
        { """{"type":"STOP_MAINTENANCE","stop_maintenance":{"machines":[{"hostname":"a b"}]}}""", "'stop_maintenance.machines[0]': machine hostname 'a b' contains whitespace or control characters" },
        { Update + """{"machine_ids":[{"hostname":"a"}],"unavailability":{"start":{"nanoseconds":1},"duration":{"nanoseconds":-1}}}""" + End, W0 + ".unavailability.duration' is negative" },
        { Update + """{"machine_ids":[{"hostname":"a"}],"unavailability":{"start":{"nanoseconds":"-5"}}}""" + End, W0 + ".unavailability.start' is before 1970" },
        { Update + """{"machine_ids":[{"hostname":"a"}],"unavailability":{"start":{"nanoseconds":1.5}}}""" + End, W0 + ".unavailability.start.nanoseconds' is not a whole number of nanoseconds" },
        { Update + """{"machine_ids":[{"hostname":"a"}],"unavailability":{"start":{"nanoseconds":"99999999999999999999"}}}""" + End, W0 + ".unavailability.start.nanoseconds' is not a whole number of nanoseconds" },
        { Update + """{"machine_ids":[{"hostname":"a"}],"unavailability":{"start":{"nanoseconds":"soon"}}}""" + End, W0 + ".unavailability.start.nanoseconds' is not a whole number of nanoseconds" },
        // wrong JSON kinds
        { """{"type":"UPDATE_MAINTENANCE_SCHEDULE","update_maintenance_schedule":{"schedule":{"windows":{}}}}""", "'update_maintenance_schedule.schedule.windows' is not a list" },
        { Update + "5" + End, W0 + "' is not an object" },
        { Update + """{"machine_ids":{"hostname":"a"},"unavailability":""" + Soon + "}" + End, W0 + ".machine_ids' is not a list" },
        { Update + """{"machine_ids":["a"],"unavailability":""" + Soon + "}" + End, W0 + ".machine_ids[0]' is not an object" },
        { Update + """{"machine_ids":[{"hostname":7}],"unavailability":""" + Soon + "}" + End, W0 + ".machine_ids[0].hostname' is not a string" },
        { Update + """{"machine_ids":[{"hostname":"a"}],"unavailability":[]}""" + End, W0 + ".unavailability' is missing or not an object" },
        { Update + """{"machine_ids":[{"hostname":"a"}],"unavailability":{"start":1796040000}}""" + End, W0 + ".unavailability.start' needs 'nanoseconds'" },
        { Update + """{"machine_ids":[{"hostname":"a"}],"unavailability":{"start":{"nanoseconds":true}}}""" + End, W0 + ".unavailability.start.nanoseconds' is not a whole number of nanoseconds" },
        { """{"type":"START_MAINTENANCE","start_maintenance":{"machines":{"hostname":"a"}}}""", "'start_maintenance.machines' is not a list" },
        { """{"type":"STOP_MAINTENANCE","stop_maintenance":{"machines":[{"ip":10}]}}""", "'stop_maintenance.machines[0].ip' is not a string" },
    };

    [Theory]
    [MemberData(nameof(BadOperatorCalls))]
    public void BadMaintenanceCalls_AreRefused_NamingThePath(string json, string expected) => Assert.Equal(expected, Refusal(json));

    // ---- operator answers ----

    private static string Written(Action<Utf8JsonWriter, Registry> write, Registry registry)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream)) write(json, registry);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static Registry Apply(Registry registry, RegistryCommand command)
    {
        var outcome = registry.Apply(command);
        Assert.Equal(CommandStatus.Applied, outcome.Result.Status);
        return outcome.Next;
    }

    private static readonly MachineId Zeta = MachineId.Of("zeta", ""), Alpha = MachineId.Of("alpha", "10.0.0.1"), Gamma = MachineId.Of("", "10.0.0.3");

    /// <summary>zeta and alpha (in that order) for an hour, then 10.0.0.3 for good; f-2 declined zeta, f-1 accepted it; 10.0.0.3 is DOWN.</summary>
    private static Registry Scheduled()
    {
        var r = Apply(Registry.Empty, new Protocol.Registry.UpdateMaintenanceSchedule(
        [
            new MaintenanceWindow([Zeta, Alpha], new Unavailability(Start, Hour)),
            new MaintenanceWindow([Gamma], new Unavailability(Start + Hour, null)),
        ]));
        r = Apply(r, new SetInverseOfferStatus(Zeta, new FrameworkId("f-2"), InverseOfferAnswer.Decline, 1_796_040_000_500));
        r = Apply(r, new SetInverseOfferStatus(Zeta, new FrameworkId("f-1"), InverseOfferAnswer.Accept, 1_796_040_001_000));
        return Apply(r, new Protocol.Registry.StartMaintenance([Gamma]));
    }

    [Fact]
    public void TheSchedule_IsWrittenAsGiven_InMesosShape()
    {
        Assert.Equal("""
            {"schedule":{"windows":[{"machine_ids":[{"hostname":"zeta"},{"hostname":"alpha","ip":"10.0.0.1"}],"unavailability":{"start":{"nanoseconds":1796040000123456789},"duration":{"nanoseconds":3600000000000}}},{"machine_ids":[{"ip":"10.0.0.3"}],"unavailability":{"start":{"nanoseconds":1796043600123456789}}}]}}
            """, Written(MaintenanceJson.WriteSchedule, Scheduled()));
        Assert.Equal("""{"schedule":{"windows":[]}}""", Written(MaintenanceJson.WriteSchedule, Registry.Empty));
    }

    [Fact]
    public void TheStatus_ListsDrainingMachinesWithTheFrameworksAnswers_AndDownMachines_InMesosShape()
    {
        Assert.Equal("""
            {"status":{"draining_machines":[{"id":{"hostname":"zeta"},"statuses":[{"status":"ACCEPT","framework_id":{"value":"f-1"},"timestamp":{"nanoseconds":1796040001000000000}},{"status":"DECLINE","framework_id":{"value":"f-2"},"timestamp":{"nanoseconds":1796040000500000000}}]},{"id":{"hostname":"alpha","ip":"10.0.0.1"},"statuses":[]}],"down_machines":[{"ip":"10.0.0.3"}]}}
            """, Written(MaintenanceJson.WriteStatus, Scheduled()));
        Assert.Equal("""{"status":{"draining_machines":[],"down_machines":[]}}""", Written(MaintenanceJson.WriteStatus, Registry.Empty));
    }

    [Fact]
    public void TheWrittenSchedule_ReadsBackAsTheSameSchedule()
    {
        var registry = Scheduled();
        using var document = JsonDocument.Parse(Written(MaintenanceJson.WriteSchedule, registry));
        var read = MaintenanceJson.ReadSchedule(document.RootElement.GetProperty("schedule"), "schedule");
        Assert.Equal(registry.Schedule().Count, read.Count);
        for (var w = 0; w < read.Count; w++)
        {
            Assert.Equal(registry.Schedule()[w].Machines, read[w].Machines);
            Assert.Equal(registry.Schedule()[w].Unavailability, read[w].Unavailability);
        }
    }
}
