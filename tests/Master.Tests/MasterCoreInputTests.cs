using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>The core's one entry point: each input reaches its decision, and the core says when an allocation is worth running early.</summary>
public sealed class MasterCoreInputTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly FrameworkId F1 = new("f1");
    private static readonly AgentId A1 = new("a1");

    private static MasterCore Core()
    {
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "t1" });
        core.AddAgent(A1, ResourceText.Parse("cpus:2;mem:512"), Now);
        core.AddFramework(F1, ["web"]);
        return core;
    }

    [Fact]
    public void InputsThatFreeOrAddResources_AskForAnAllocation()
    {
        var core = Core();
        var offers = core.Handle(new Tick(new Dictionary<string, double>(), new Dictionary<string, Allocation.RoleQuota>()), Now)
            .OfType<SendOffers>().Single().Offers;
        Assert.Contains(AllocationWanted.Instance, core.Handle(new DeclineOffers(F1, [offers[0].Id], null), Now));
        Assert.Contains(AllocationWanted.Instance, core.Handle(new ReviveOffers(F1, ["web"]), Now));
        Assert.Contains(AllocationWanted.Instance, core.Handle(new AgentStatusUpdate(A1, F1, new TaskId("t"), TaskState.Finished, Guid.NewGuid(), ""), Now));
        Assert.Contains(AllocationWanted.Instance, core.Handle(new FrameworkDisconnected(F1), Now));
    }

    [Fact]
    public void InputsThatChangeNoResources_OrAreRefused_DoNot()
    {
        var core = Core();
        Assert.Empty(core.Handle(new AgentHeartbeat(A1), Now));
        Assert.DoesNotContain(AllocationWanted.Instance, core.Handle(new AgentStatusUpdate(A1, F1, new TaskId("t"), TaskState.Running, Guid.NewGuid(), ""), Now));
        Assert.DoesNotContain(AllocationWanted.Instance, core.Handle(new SuppressOffers(F1, ["web"]), Now));
        Assert.DoesNotContain(AllocationWanted.Instance, core.Handle(new KillTaskCall(F1, new TaskId("unknown")), Now));
        var refused = core.Handle(new AcceptOffers(new FrameworkId("stranger"), [], [], null), Now);
        Assert.IsType<CallRejected>(Assert.Single(refused));
    }

    [Fact]
    public void LeadershipStarted_OpensTheReregistrationWindow_AndRecoversFrameworks()
    {
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "t2" });
        var effects = core.Handle(new LeadershipStarted([A1], TimeSpan.FromSeconds(10),
            [new RecoveredFramework(F1, ["web"], PartitionAware: true, TimeSpan.FromMinutes(1), DisconnectedAt: null)]), Now);
        // f1 was connected to the old leader: its disconnect from this one is recorded now.
        Assert.IsType<ProposeRegistry>(Assert.Single(effects));
        // Until the window closes, a1 may come back: a query about a task this leader does not know is not answered.
        Assert.Empty(core.Handle(new ReconcileTasks(F1, [(new TaskId("t"), A1)]), Now));
        Assert.Single(core.Handle(new Tick(new Dictionary<string, double>(), new Dictionary<string, Allocation.RoleQuota>()), Now.AddSeconds(11))
            .OfType<ProposeRegistry>());
    }
}
