using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Xunit;

namespace Mesos.HA.Master.Tests;

public class MasterCoreRegistrationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static MasterCore Core() => new(new MasterCoreOptions { OfferIdPrefix = "t3" });

    private static AgentInfo Agent(string id) =>
        new(new AgentId(id), $"host-{id}", "10.0.0.1:5051", "cpus:2;mem:512", new Dictionary<string, string>());

    private static FrameworkInfo Info(params string[] capabilities) => new("fw", "root", ["web"], capabilities, null, null, null);

    private static readonly IReadOnlyDictionary<string, double> NoWeights = new Dictionary<string, double>();
    private static readonly IReadOnlyDictionary<string, Allocation.RoleQuota> NoQuotas = new Dictionary<string, Allocation.RoleQuota>();

    private static IEnumerable<Offer> OffersOf(IReadOnlyList<Effect> effects) => effects.OfType<SendOffers>().SelectMany(s => s.Offers);

    [Fact]
    public void FirstRegistration_ProposesTheAdmission_AndTheAgentCountsOnlyOnceItCommits()
    {
        var core = Core();
        core.AddFramework(new FrameworkId("f1"), ["web"]);
        var admit = Assert.IsType<AdmitAgent>(Assert.Single(core.RegisterAgent(Agent("a1"), T0)).As<ProposeRegistry>().Command);
        Assert.Equal("a1", admit.Info.Id.Value);
        // Repeated while written (the agent's first attempt timed out): told to retry, nothing proposed twice.
        Assert.Equal(new AgentRegistrationRefused(new AgentId("a1"), MasterCore.RegistrationInProgress), Assert.Single(core.RegisterAgent(Agent("a1"), T0)));
        Assert.Empty(OffersOf(core.Allocate(NoWeights, NoQuotas, T0))); // planned, not committed: nothing to offer

        Assert.Contains(AllocationWanted.Instance, core.Handle(new RegistryWriteCommitted(admit), T0));
        Assert.Equal(ResourceText.Parse("cpus:2;mem:512"), core.AvailableOn(new AgentId("a1")));
        Assert.Equal("a1", Assert.Single(OffersOf(core.Allocate(NoWeights, NoQuotas, T0))).Agent.Value);
        Assert.Empty(core.RegisterAgent(Agent("a1"), T0)); // repeated once admitted: already counted, nothing to write
    }

    [Fact]
    public void AFrameworkResubscribing_BeforeItsOldStreamWasSeenToEnd_HasTheOldInstancesOffersRescinded_AndOfferedAgain()
    {
        var core = Core();
        var f1 = new FrameworkId("f1");
        core.AddFramework(f1, ["web"]);
        var admit = Assert.Single(core.RegisterAgent(Agent("a1"), T0)).As<ProposeRegistry>().Command;
        core.Handle(new RegistryWriteCommitted(admit), T0);
        var held = Assert.Single(OffersOf(core.Allocate(NoWeights, NoQuotas, T0)));

        // The scheduler was killed and a new instance subscribes with the same id; the old stream's end was never seen.
        var effects = core.Subscribe(f1, Info(), TimeSpan.FromMinutes(1), known: true, T0.AddSeconds(1));
        Assert.Contains(effects, e => e is RescindOffer r && r.Offer == held.Id && r.Framework == f1);
        // The resources are free again: the new instance is offered them.
        Assert.Equal("a1", Assert.Single(OffersOf(core.Allocate(NoWeights, NoQuotas, T0.AddSeconds(1)))).Agent.Value);
    }

    [Fact]
    public void RefusedAdmission_LeavesTheAgentOut_AndSaysSo_ANewAttemptProposesAgain()
    {
        var core = Core();
        core.AddFramework(new FrameworkId("f1"), ["web"]);
        var admit = Assert.Single(core.RegisterAgent(Agent("a1"), T0)).As<ProposeRegistry>().Command;

        var refused = core.Handle(new RegistryWriteRefused(admit, "the registry holds the maximum of 1 agents"), T0);

        Assert.Equal(new AgentRegistrationRefused(new AgentId("a1"), "the registry holds the maximum of 1 agents"), Assert.Single(refused));
        Assert.Empty(OffersOf(core.Allocate(NoWeights, NoQuotas, T0)));
        Assert.IsType<AdmitAgent>(Assert.Single(core.RegisterAgent(Agent("a1"), T0.AddSeconds(1))).As<ProposeRegistry>().Command);
    }

    [Fact]
    public void AfterFailover_AgentsThatDoNotComeBackInTheWindow_AreMarkedUnreachable()
    {
        var core = Core();
        core.StartReregistrationWindow([new AgentId("a1"), new AgentId("a2")], TimeSpan.FromSeconds(60), T0);
        Assert.Empty(core.ReregisterAgent(Agent("a1"), [], wasUnreachable: false, T0.AddSeconds(3)));
        Assert.Empty(core.CheckReregistration(T0.AddSeconds(59)));
        var marked = Assert.Single(core.CheckReregistration(T0.AddSeconds(60))).As<ProposeRegistry>().Command;
        Assert.Equal(new AgentId("a2"), Assert.IsType<MarkAgentUnreachable>(marked).AgentId);
        Assert.Empty(core.CheckReregistration(T0.AddSeconds(120)));
    }

    [Fact]
    public void UnreachableAgentComingBack_IsReadmitted_WithItsTasks_OnceTheReadmissionCommits()
    {
        var core = Core();
        core.AddFramework(new FrameworkId("f1"), ["web"]);
        var task = new ReportedTask(new TaskId("t1"), new FrameworkId("f1"), "web", ResourceText.Parse("cpus:1"), TaskState.Running);
        var effects = core.ReregisterAgent(Agent("a1"), [task], wasUnreachable: true, T0);
        var readmit = Assert.IsType<ReadmitAgent>(Assert.Single(effects).As<ProposeRegistry>().Command);
        Assert.Empty(core.Tasks);

        core.Handle(new RegistryWriteCommitted(readmit), T0);
        Assert.Equal(TaskState.Running, Assert.Single(core.Tasks).State);
        Assert.Equal(ResourceText.Parse("cpus:1;mem:512"), core.AvailableOn(new AgentId("a1")));
    }

    [Fact]
    public void RefusedReadmission_AdoptsNoTask_AndOffersNothingFromTheAgent()
    {
        var core = Core();
        core.AddFramework(new FrameworkId("f1"), ["web"]);
        var task = new ReportedTask(new TaskId("t1"), new FrameworkId("f1"), "web", ResourceText.Parse("cpus:1"), TaskState.Running);
        var readmit = Assert.Single(core.ReregisterAgent(Agent("a1"), [task], wasUnreachable: true, T0)).As<ProposeRegistry>().Command;

        var refused = core.Handle(new RegistryWriteRefused(readmit, "agent a1 is gone and cannot be readmitted"), T0);

        Assert.IsType<AgentRegistrationRefused>(Assert.Single(refused));
        Assert.Empty(core.Tasks);
        Assert.Empty(OffersOf(core.Allocate(NoWeights, NoQuotas, T0)));
    }

    [Fact]
    public void NewFramework_CountsOnceItsAdditionCommits_ARefusedOneIsRejected()
    {
        var core = Core();
        core.AddAgent(new AgentId("a1"), ResourceText.Parse("cpus:2;mem:512"), T0);
        var add = Assert.Single(core.Subscribe(new FrameworkId("f1"), Info(), TimeSpan.FromMinutes(1), known: false, T0)).As<ProposeRegistry>().Command;
        Assert.Empty(OffersOf(core.Allocate(NoWeights, NoQuotas, T0)));
        core.Handle(new RegistryWriteCommitted(add), T0);
        Assert.Equal("f1", Assert.Single(OffersOf(core.Allocate(NoWeights, NoQuotas, T0))).Framework.Value);

        var other = Assert.Single(core.Subscribe(new FrameworkId("f2"), Info(), TimeSpan.FromMinutes(1), known: false, T0)).As<ProposeRegistry>().Command;
        var refused = core.Handle(new RegistryWriteRefused(other, "the registry holds the maximum of 1 frameworks"), T0);
        Assert.Contains("maximum of 1 frameworks", Assert.IsType<CallRejected>(Assert.Single(refused)).Message);
        Assert.DoesNotContain(OffersOf(core.Allocate(NoWeights, NoQuotas, T0.AddSeconds(1))), o => o.Framework.Value == "f2");
    }

    [Fact]
    public void Subscribe_NewFrameworkIsAdded_KnownOneIsReconnected()
    {
        var core = Core();
        var id = new FrameworkId("f1");
        var add = Assert.IsType<AddFramework>(Assert.Single(core.Subscribe(id, Info("PARTITION_AWARE"), TimeSpan.FromMinutes(1), known: false, T0))
            .As<ProposeRegistry>().Command);
        Assert.Equal(60_000, add.FailoverTimeoutMs);
        core.Handle(new RegistryWriteCommitted(add), T0);
        core.DisconnectFramework(id, T0.AddSeconds(1));
        var again = core.Subscribe(id, Info("PARTITION_AWARE"), TimeSpan.FromMinutes(1), known: true, T0.AddSeconds(2));
        Assert.Equal(FrameworkConnectionChange.Connected,
            Assert.IsType<UpdateFramework>(Assert.Single(again).As<ProposeRegistry>().Command).Connection);
    }
}

internal static class EffectCasts
{
    public static T As<T>(this Effect effect) where T : Effect => Assert.IsType<T>(effect);
}
