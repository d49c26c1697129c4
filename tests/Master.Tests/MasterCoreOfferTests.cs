using Mesos.HA.Master.Allocation;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;
using Xunit;

namespace Mesos.HA.Master.Tests;

public class MasterCoreOfferTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, double> NoWeights = [];
    private static readonly Dictionary<string, RoleQuota> NoQuotas = [];
    private static readonly FrameworkId F1 = new("f1"), F2 = new("f2");
    private static readonly AgentId A1 = new("a1"), A2 = new("a2");

    private static Resources R(string text) => ResourceText.Parse(text);

    private static MasterCore Core(TimeSpan? offerTimeout = null)
    {
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "t7", OfferTimeout = offerTimeout });
        core.AddAgent(A1, R("cpus:4;mem:1024;ports:[31000-31009]"));
        core.AddFramework(F1, ["web"]);
        return core;
    }

    private static Offer SingleOffer(IReadOnlyList<Effect> effects) =>
        Assert.Single(Assert.Single(effects.OfType<SendOffers>()).Offers);

    [Fact]
    public void Allocate_OffersWhatIsFree_AndNeverOffersItTwice()
    {
        var core = Core();
        var offer = SingleOffer(core.Allocate(NoWeights, NoQuotas, T0));
        Assert.Equal("t7-O1", offer.Id.Value);
        Assert.Equal(R("cpus:4;mem:1024;ports:[31000-31009]"), offer.Resources);
        Assert.True(core.AvailableOn(A1).IsEmpty);
        Assert.Empty(core.Allocate(NoWeights, NoQuotas, T0.AddSeconds(1)));
    }

    [Fact]
    public void Decline_ReturnsTheResources_AndFiltersTheFrameworkForRefuseSeconds()
    {
        var core = Core();
        core.AddFramework(F2, ["batch"]);
        core.AddAgent(A2, R("cpus:1;mem:64"));
        var first = core.Allocate(NoWeights, NoQuotas, T0).OfType<SendOffers>().SelectMany(s => s.Offers).ToArray();
        var f1Offer = first.Single(o => o.Framework == F1);
        Assert.Empty(core.Decline(F1, [f1Offer.Id], TimeSpan.FromSeconds(10), T0));
        Assert.Equal(f1Offer.Resources, core.AvailableOn(f1Offer.Agent));

        // F1 may not get that agent back for 10 s; F2 (holding the other agent) may.
        var again = core.Allocate(NoWeights, NoQuotas, T0.AddSeconds(1)).OfType<SendOffers>().SelectMany(s => s.Offers).ToArray();
        Assert.All(again, o => Assert.False(o.Framework == F1 && o.Agent == f1Offer.Agent));
        Assert.Contains(again, o => o.Framework == F2 && o.Agent == f1Offer.Agent);
    }

    [Fact]
    public void Decline_UnknownOrForeignOffer_IsRefused_AndChangesNothing()
    {
        var core = Core();
        core.AddFramework(F2, ["batch"]);
        var offer = SingleOffer(core.Allocate(NoWeights, NoQuotas, T0));
        var other = offer.Framework == F1 ? F2 : F1;
        Assert.IsType<CallRejected>(Assert.Single(core.Decline(other, [offer.Id], null, T0)));
        Assert.IsType<CallRejected>(Assert.Single(core.Decline(offer.Framework, [new OfferId("nope")], null, T0)));
        Assert.Single(core.Offers);
    }

    [Fact]
    public void Accept_ValidLaunch_StagesTheTask_AndReturnsWhatIsLeft()
    {
        var core = Core();
        var offer = SingleOffer(core.Allocate(NoWeights, NoQuotas, T0));
        var task = new TaskLaunch(new TaskId("t1"), "sleep", R("cpus:1;mem:128;ports:[31000-31000]"), "sleep 10");
        var effects = core.Accept(F1, [offer.Id], [task], TimeSpan.Zero, T0);
        var launch = Assert.IsType<LaunchTask>(Assert.Single(effects));
        Assert.Equal((A1, task), (launch.Agent, launch.Task));
        Assert.Equal(TaskState.Staging, Assert.Single(core.Tasks).State);
        Assert.Empty(core.Offers);
        Assert.Equal(R("cpus:3;mem:896;ports:[31001-31009]"), core.AvailableOn(A1));
        // The leftover is offered again at once (refuse 0) and the task's resources are not.
        Assert.Equal(R("cpus:3;mem:896;ports:[31001-31009]"), SingleOffer(core.Allocate(NoWeights, NoQuotas, T0)).Resources);
    }

    [Fact]
    public void Accept_UnknownOffer_DropsEveryTask_AndRecoversTheValidOffers()
    {
        var core = Core();
        var offer = SingleOffer(core.Allocate(NoWeights, NoQuotas, T0));
        var task = new TaskLaunch(new TaskId("t1"), "x", R("cpus:1"), "true");
        var effects = core.Accept(F1, [offer.Id, new OfferId("t7-O99")], [task], null, T0);
        var update = Assert.IsType<SendUpdate>(Assert.Single(effects));
        Assert.Equal((TaskState.Dropped, "REASON_INVALID_OFFERS"), (update.State, update.Reason));
        Assert.Empty(core.Tasks);
        Assert.Empty(core.Offers);
        Assert.Equal(R("cpus:4;mem:1024;ports:[31000-31009]"), core.AvailableOn(A1));
    }

    [Fact]
    public void Accept_OfferOfAnotherFramework_IsInvalid_AndLeavesThatOfferAlone()
    {
        var core = Core();
        core.AddFramework(F2, ["batch"]);
        var offer = SingleOffer(core.Allocate(NoWeights, NoQuotas, T0));
        var thief = offer.Framework == F1 ? F2 : F1;
        var effects = core.Accept(thief, [offer.Id], [new TaskLaunch(new TaskId("t1"), "x", R("cpus:1"), "true")], null, T0);
        Assert.Equal(TaskState.Dropped, Assert.IsType<SendUpdate>(Assert.Single(effects)).State);
        Assert.Single(core.Offers); // still the owner's
    }

    [Fact]
    public void Accept_TaskExceedingTheOffer_OrRepeatingAnId_GetsTaskError_OthersLaunch()
    {
        var core = Core();
        var offer = SingleOffer(core.Allocate(NoWeights, NoQuotas, T0));
        var effects = core.Accept(F1, [offer.Id],
        [
            new TaskLaunch(new TaskId("ok"), "a", R("cpus:3"), "true"),
            new TaskLaunch(new TaskId("big"), "b", R("cpus:2"), "true"),      // only 1 cpu left
            new TaskLaunch(new TaskId("ok"), "c", R("cpus:0.5"), "true"),     // repeats an id
            new TaskLaunch(new TaskId("role"), "d", R("cpus(other):0.5"), "true"), // not in the offer
            new TaskLaunch(new TaskId("none"), "e", Resources.Empty, "true"),
        ], null, T0);
        Assert.Equal("ok", Assert.Single(effects.OfType<LaunchTask>()).Task.Id.Value);
        var errors = effects.OfType<SendUpdate>().ToDictionary(u => u.Task.Value + "/" + u.Message[..Math.Min(12, u.Message.Length)], u => u.State);
        Assert.Equal(4, errors.Count);
        Assert.All(errors.Values, s => Assert.Equal(TaskState.Error, s));
        Assert.Single(core.Tasks);
    }

    [Fact]
    public void Accept_OffersOnTwoAgents_AreInvalid()
    {
        var core = Core();
        core.AddAgent(A2, R("cpus:2;mem:64"));
        var offers = core.Allocate(NoWeights, NoQuotas, T0).OfType<SendOffers>().SelectMany(s => s.Offers).ToArray();
        Assert.Equal(2, offers.Length);
        var effects = core.Accept(F1, [.. offers.Select(o => o.Id)], [new TaskLaunch(new TaskId("t"), "x", R("cpus:1"), "true")], null, T0);
        Assert.Contains("more than one agent", Assert.IsType<SendUpdate>(Assert.Single(effects)).Message);
    }

    [Fact]
    public void OfferTimeout_Rescinds_AndTheResourcesAreOfferedAgain()
    {
        var core = Core(offerTimeout: TimeSpan.FromSeconds(30));
        var offer = SingleOffer(core.Allocate(NoWeights, NoQuotas, T0));
        Assert.Empty(core.ExpireOffers(T0.AddSeconds(29)));
        Assert.Equal(new RescindOffer(F1, offer.Id), Assert.Single(core.ExpireOffers(T0.AddSeconds(30))));
        Assert.NotEqual(offer.Id, SingleOffer(core.Allocate(NoWeights, NoQuotas, T0.AddSeconds(31))).Id);
    }

    [Fact]
    public void AgentRemoved_OrFrameworkDisconnected_RescindsTheirOffers()
    {
        var core = Core();
        var offer = SingleOffer(core.Allocate(NoWeights, NoQuotas, T0));
        Assert.Equal(new RescindOffer(F1, offer.Id), Assert.Single(core.DisconnectFramework(F1, T0).OfType<RescindOffer>()));
        Assert.Empty(core.Allocate(NoWeights, NoQuotas, T0)); // a disconnected framework gets no offers
        core.ReconnectFramework(F1, T0);
        var again = SingleOffer(core.Allocate(NoWeights, NoQuotas, T0));
        Assert.Equal(new RescindOffer(F1, again.Id), Assert.Single(core.RemoveAgent(A1)));
        Assert.Empty(core.Offers);
    }

    [Fact]
    public void SuppressAndRevive_StopAndResumeOffers_ReviveClearsFilters()
    {
        var core = Core();
        core.Suppress(F1, "web");
        Assert.Empty(core.Allocate(NoWeights, NoQuotas, T0));
        core.Revive(F1, "web");
        var offer = SingleOffer(core.Allocate(NoWeights, NoQuotas, T0));
        core.Decline(F1, [offer.Id], TimeSpan.FromMinutes(5), T0);
        Assert.Empty(core.Allocate(NoWeights, NoQuotas, T0.AddSeconds(1)));
        core.Revive(F1, "web");
        Assert.Single(core.Allocate(NoWeights, NoQuotas, T0.AddSeconds(2)).OfType<SendOffers>());
    }
}
