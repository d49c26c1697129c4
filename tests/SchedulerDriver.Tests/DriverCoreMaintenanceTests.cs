using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.SchedulerDriver.Core;
using Xunit;

namespace Mesos.HA.SchedulerDriver.Tests;

/// <summary>
/// Maintenance in the driver's decisions, scripted (see <see cref="DriverCoreScript"/>): inverse offers and
/// their rescinds reach the scheduler in event order, and its answers go out on the subscription or are dropped.
/// </summary>
public sealed class DriverCoreMaintenanceTests
{
    private static readonly Unavailability Window = new(DriverCoreScript.T0.AddHours(1), TimeSpan.FromMinutes(30));

    private static InverseOffer Inverse(string id, string? agent = "a1") => new(id, "fw", agent, Window);

    [Fact]
    public void InverseOffers_AreNotifiedInEventOrder_WithTheirUnavailability_AndAnEmptyOneIsNot()
    {
        var script = new DriverCoreScript();
        script.Subscribe();
        var first = Inverse("i1") with { Resources = ResourceText.Parse("cpus:1") };
        var second = Inverse("i2", agent: null) with { Unavailability = Window with { Duration = null } };

        var effects = script.Core.Step(new EventReceived(1, new InverseOffersEvent([first, second])), DriverCoreScript.T0.AddMilliseconds(100));
        var notified = Assert.IsType<NotifyInverseOffers>(Assert.Single(effects));
        Assert.Equal([first, second], notified.InverseOffers);
        Assert.Equal(["inverse offers i3", "update t1 Running", "inverse offers i4"],
            [
                .. script.At(200).Step(new EventReceived(1, new InverseOffersEvent([Inverse("i3")]))),
                .. script.Step(new EventReceived(1, new UpdateEvent(DriverCoreScript.Update("t1", TaskState.Running, uuid: null)))),
                .. script.Step(new EventReceived(1, new InverseOffersEvent([Inverse("i4")]))),
            ]);
        Assert.Empty(script.Step(new EventReceived(1, new InverseOffersEvent([]))));
    }

    [Fact]
    public void RescindedInverseOffer_IsNotified_AndEventsOfAStaleStreamAreNot()
    {
        var script = new DriverCoreScript();
        script.Subscribe();
        Assert.Equal(["inverse offer rescinded i1"], script.At(100).Step(new EventReceived(1, new RescindInverseOfferEvent("i1"))));
        script.At(200).Step(new StreamClosed(1));
        Assert.Empty(script.Step(new EventReceived(1, new RescindInverseOfferEvent("i2"))));
        Assert.Empty(script.Step(new EventReceived(1, new InverseOffersEvent([Inverse("i3")]))));
    }

    [Fact]
    public void InverseOfferAnswers_AreSentOnTheSubscription_InCallOrder_WithTheirFilters()
    {
        var script = new DriverCoreScript();
        script.Subscribe();
        Assert.Equal(["send 1 ACCEPT_INVERSE_OFFERS i1,i2 refuse 600 s"],
            script.At(100).Step(new AcceptInverseOffersCalled(["i1", "i2"], new Filters(TimeSpan.FromMinutes(10)))));
        Assert.Equal(["send 1 DECLINE_INVERSE_OFFERS i3"], script.Step(new DeclineInverseOffersCalled(["i3"], null)));
        Assert.Equal(["send 1 DECLINE_INVERSE_OFFERS i4 refuse 0.5 s"],
            script.Step(new DeclineInverseOffersCalled(["i4"], new Filters(TimeSpan.FromMilliseconds(500)))));

        var sent = Assert.IsType<SendCall>(Assert.Single(script.Core.Step(new AcceptInverseOffersCalled(["i5"], null), DriverCoreScript.T0)));
        Assert.Equal("ACCEPT_INVERSE_OFFERS", sent.Call.Type);
        Assert.Equal("DECLINE_INVERSE_OFFERS", new DeclineInverseOffersCall(["i6"], null).Type);
        Assert.Empty(script.Core.LiveTasks); // answering maintenance launches nothing
    }

    [Fact]
    public void InverseOfferAnswers_WhileUnsubscribed_AreDropped_AndAfterTheEndAreNotEvenThat()
    {
        var script = new DriverCoreScript();
        script.Step(new StartDriver()); // subscribing: no stream yet
        Assert.Equal(["drop ACCEPT_INVERSE_OFFERS i1 refuse 5 s"], script.Step(new AcceptInverseOffersCalled(["i1"], new Filters(TimeSpan.FromSeconds(5)))));
        script.Step(new SubscribeAnswered(1, "fw", TimeSpan.FromSeconds(1)));
        script.At(100).Step(new StreamClosed(1)); // lost: re-subscribing
        Assert.Equal(["drop DECLINE_INVERSE_OFFERS i2"], script.Step(new DeclineInverseOffersCalled(["i2"], null)));

        script.Step(new AbortDriver());
        Assert.Empty(script.Step(new DeclineInverseOffersCalled(["i3"], null)));
        Assert.Empty(script.Step(new AcceptInverseOffersCalled(["i4"], null)));
    }
}
