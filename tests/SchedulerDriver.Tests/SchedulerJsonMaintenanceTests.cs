using System.Text;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.SchedulerDriver.Core;
using Xunit;
using V1 = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.SchedulerDriver.Tests;

/// <summary>Maintenance in the v1 JSON: the answers to inverse offers byte for byte as sent, and inverse offers, their rescinds and offers' unavailability as read.</summary>
public sealed class SchedulerJsonMaintenanceTests
{
    private const string AcceptInverseFiltered = """
        {"type":"ACCEPT_INVERSE_OFFERS","accept_inverse_offers":{"inverse_offer_ids":[{"value":"i-1"},{"value":"i-2"}],"filters":{"refuse_seconds":600}},"framework_id":{"value":"f-1"}}
        """;

    private const string DeclineInverse = """
        {"type":"DECLINE_INVERSE_OFFERS","decline_inverse_offers":{"inverse_offer_ids":[{"value":"i-1"}]},"framework_id":{"value":"f-1"}}
        """;

    private const string DeclineInverseFiltered = """
        {"type":"DECLINE_INVERSE_OFFERS","decline_inverse_offers":{"inverse_offer_ids":[{"value":"i-3"}],"filters":{"refuse_seconds":0.5}},"framework_id":{"value":"f-1"}}
        """;

    /// <summary>
    /// 1970-04-11T00:00:00Z and 123456789 ns, in nanoseconds since the epoch: below 9e15, the largest integer
    /// <see cref="V1.TolerantJson"/> reads today (see <see cref="UnavailabilityOfToday_IsRead"/>).
    /// </summary>
    private const long StartNanos = 8_640_000_123_456_789;

    private static readonly DateTimeOffset Start = new DateTimeOffset(1970, 4, 11, 0, 0, 0, TimeSpan.Zero).AddTicks(1_234_567); // to the tick

    public static TheoryData<string, string> Calls() => new()
    {
        { Sent(new AcceptInverseOffersCall(["i-1", "i-2"], new Filters(TimeSpan.FromMinutes(10)))), AcceptInverseFiltered },
        { Sent(new DeclineInverseOffersCall(["i-1"], null)), DeclineInverse },
        { Sent(new DeclineInverseOffersCall(["i-3"], new Filters(TimeSpan.FromMilliseconds(500)))), DeclineInverseFiltered },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public void InverseOfferAnswers_AreSentInTheirMesosShape(string sent, string golden) => Assert.Equal(golden, sent);

    [Theory]
    [MemberData(nameof(Calls))]
    public void InverseOfferAnswers_ReadBackThroughTheContracts_AndWriteTheSameText(string sent, string golden)
    {
        var call = V1.TolerantJson.Read(Encoding.UTF8.GetBytes(sent), V1.SchedulerJsonContext.Default.Call);
        Assert.NotNull(call);
        Assert.Equal(golden, Text(V1.SchedulerJsonContext.Write(call)));
    }

    [Fact]
    public void InverseOffersEvent_IsReadInOrder_AndMalformedInverseOffersAreSkipped()
    {
        var read = Read("""
            {"type":"INVERSE_OFFERS","inverse_offers":{"inverse_offers":[
              {"id":{"value":"i-1"},"url":{"scheme":"http","address":{"hostname":"h1","ip":"10.0.0.1","port":5051},"path":"/slave(1)"},
               "framework_id":{"value":"f-1"},"agent_id":{"value":"a-1"},
               "unavailability":{"start":{"nanoseconds":START},"duration":{"nanoseconds":3600000000000}},
               "resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":2}}]},
              {"framework_id":{"value":"f-1"},"agent_id":{"value":"a-2"},"unavailability":{"start":{"nanoseconds":1}}},
              {"id":{"value":"i-3"},"framework_id":{"value":"f-1"},"unavailability":{"duration":{"nanoseconds":1}}},
              {"id":{"value":"i-4"},"framework_id":{"value":"f-1"}},
              null,
              {"id":{"value":"i-6"},"framework_id":{"value":"f-1"},"unavailability":{"start":{"nanoseconds":-1000000000}},
               "resources":[{"type":"SCALAR","scalar":{"value":2}}]},
              {"id":{"value":"i-7"},"framework_id":{"value":"f-1"},"unavailability":{"start":{"nanoseconds":0}}}
            ]}}
            """.Replace("START", StartNanos.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        var inverse = Assert.IsType<InverseOffersEvent>(read);
        Assert.Equal(
            [
                new InverseOffer("i-1", "f-1", "a-1", new Unavailability(Start, TimeSpan.FromHours(1))) { Resources = ResourceText.Parse("cpus:2") },
                new InverseOffer("i-7", "f-1", null, new Unavailability(DateTimeOffset.UnixEpoch, null)),
            ],
            inverse.InverseOffers);
        Assert.True(inverse.InverseOffers[1].Resources.IsEmpty); // none given: the whole agent
    }

    /// <summary>A maintenance window of today is about 1.8e18 ns after the epoch, as Mesos writes it (a JSON integer).</summary>
    [Fact]
    public void UnavailabilityOfToday_IsRead()
    {
        var read = Assert.IsType<InverseOffersEvent>(Read("""
            {"type":"INVERSE_OFFERS","inverse_offers":{"inverse_offers":[
              {"id":{"value":"i-1"},"framework_id":{"value":"f-1"},"unavailability":{"start":{"nanoseconds":1767225600123456789}}}]}}
            """));
        var unavailability = Assert.Single(read.InverseOffers).Unavailability;
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(1_234_567), unavailability.Start);
    }

    [Fact]
    public void RescindInverseOfferEvent_IsRead()
    {
        Assert.Equal(new RescindInverseOfferEvent("i-1"),
            Read("""{"type":"RESCIND_INVERSE_OFFER","rescind_inverse_offer":{"inverse_offer_id":{"value":"i-1"}}}"""));
    }

    [Fact]
    public void OffersUnavailability_IsRead_AndIsNullWithoutAStart()
    {
        var read = Assert.IsType<OffersEvent>(Read("""
            {"type":"OFFERS","offers":{"offers":[
              {"id":{"value":"o-1"},"framework_id":{"value":"f-1"},"agent_id":{"value":"a-1"},"hostname":"h","resources":[],
               "unavailability":{"start":{"nanoseconds":START},"duration":{"nanoseconds":1500}}},
              {"id":{"value":"o-2"},"framework_id":{"value":"f-1"},"agent_id":{"value":"a-1"},"hostname":"h","resources":[],
               "unavailability":{"start":{"nanoseconds":START}}},
              {"id":{"value":"o-3"},"framework_id":{"value":"f-1"},"agent_id":{"value":"a-1"},"hostname":"h","resources":[],
               "unavailability":{"duration":{"nanoseconds":1500}}},
              {"id":{"value":"o-4"},"framework_id":{"value":"f-1"},"agent_id":{"value":"a-1"},"hostname":"h","resources":[]}
            ]}}
            """.Replace("START", StartNanos.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)));

        Assert.Equal(
            [new Unavailability(Start, TimeSpan.FromTicks(15)), new Unavailability(Start, null), null, null],
            read.Offers.Select(o => o.Unavailability));
        Assert.Equal(["o-1", "o-2", "o-3", "o-4"], read.Offers.Select(o => o.Id));
    }

    [Fact]
    public void EventsOfTheWrongShape_ReadAsNothingToDo()
    {
        Assert.Empty(Assert.IsType<InverseOffersEvent>(Read("""{"type":"INVERSE_OFFERS","inverse_offers":{"inverse_offers":"no"}}""")).InverseOffers);
        Assert.Empty(Assert.IsType<InverseOffersEvent>(Read("""{"type":"INVERSE_OFFERS"}""")).InverseOffers);
        Assert.Equal(new RescindInverseOfferEvent(""), Read("""{"type":"RESCIND_INVERSE_OFFER"}"""));
    }

    private static DriverEvent Read(string json) =>
        SchedulerJson.ReadEvent(V1.TolerantJson.Read(Encoding.UTF8.GetBytes(json), V1.SchedulerJsonContext.Default.Event)!);

    private static string Sent(DriverCall call) => Text(SchedulerConnection.CallBody(SchedulerJson.Call(call), "f-1"));

    private static string Text(byte[] json) => Encoding.UTF8.GetString(json);
}
