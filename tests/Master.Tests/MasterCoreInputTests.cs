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

    [Fact]
    public void AFrameworkConnectedWhenItsMasterFailed_IsKeptForTheWindow_EvenWithAZeroFailoverTimeout()
    {
        // Found by CI under load: a spurious leader change tore down a framework with Mesos' default failover
        // timeout (0) at the new leader's first tick, before its driver could re-subscribe (403, driver aborted).
        var tick = new Tick(new Dictionary<string, double>(), new Dictionary<string, Allocation.RoleQuota>());
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "t2" });
        var lost = new FrameworkId("lost-earlier");
        core.Handle(new LeadershipStarted([], TimeSpan.FromSeconds(10),
        [
            new RecoveredFramework(F1, ["web"], PartitionAware: true, TimeSpan.Zero, DisconnectedAt: null),
            new RecoveredFramework(lost, ["web"], PartitionAware: true, TimeSpan.Zero, DisconnectedAt: Now.AddSeconds(-1)),
        ]), Now);
        // One that had already disconnected from the old leader keeps its clock (and is past its timeout).
        var first = core.Handle(tick, Now.AddSeconds(1));
        Assert.Contains(first, e => e is ProposeRegistry { Command: Protocol.Registry.RemoveFramework r } && r.Id == lost);
        Assert.DoesNotContain(first, e => e is ProposeRegistry { Command: Protocol.Registry.RemoveFramework r } && r.Id == F1);
        // F1 re-subscribes within the window and is reconnected, not refused.
        Assert.Contains(core.Handle(new SubscribeFramework(F1, new Protocol.Registry.FrameworkInfo("f", "u", ["web"], [], null, null, null), TimeSpan.Zero, Known: true), Now.AddSeconds(5)),
            e => e is ProposeRegistry { Command: Protocol.Registry.UpdateFramework });
        Assert.DoesNotContain(core.Handle(tick, Now.AddSeconds(30)), e => e is ProposeRegistry { Command: Protocol.Registry.RemoveFramework });
    }

    [Fact]
    public void AFrameworkConnectedWhenItsMasterFailed_ThatNeverComesBack_IsTornDownWhenTheWindowCloses()
    {
        var tick = new Tick(new Dictionary<string, double>(), new Dictionary<string, Allocation.RoleQuota>());
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "t2" });
        core.Handle(new LeadershipStarted([], TimeSpan.FromSeconds(10),
            [new RecoveredFramework(F1, ["web"], PartitionAware: true, TimeSpan.Zero, DisconnectedAt: null)]), Now);
        Assert.DoesNotContain(core.Handle(tick, Now.AddSeconds(9)), e => e is ProposeRegistry { Command: Protocol.Registry.RemoveFramework });
        Assert.Contains(core.Handle(tick, Now.AddSeconds(10)), e => e is ProposeRegistry { Command: Protocol.Registry.RemoveFramework r } && r.Id == F1);
    }

    /// <summary>
    /// Where the shell reports liveness, an agent is marked unreachable only once it missed as many reports as pings
    /// allowed, not merely once the clock moved on: a leader too busy to report (10,000 agents re-registering after a
    /// failover, bench failover-scale) must not take its own delay for its agents' silence.
    /// </summary>
    [Fact]
    public void AnAgentIsSilent_OnlyOnceItMissedTheReports_NotWhenTheLeaderReportedLate()
    {
        var tick = new Tick(new Dictionary<string, double>(), new Dictionary<string, Allocation.RoleQuota>());
        var core = Core(); // a1, pings every second, five allowed
        var a2 = new AgentId("a2");
        core.AddAgent(a2, ResourceText.Parse("cpus:2;mem:512"), Now);
        core.Handle(new AgentsSeen([A1, a2]), Now);
        // The leader stalls for 20 s and reports once: a1 was heard meanwhile, a2 was not, but a2 missed one report only.
        core.Handle(new AgentsSeen([A1]), Now.AddSeconds(20));
        Assert.DoesNotContain(core.Handle(tick, Now.AddSeconds(20)), e => e is AgentLost);
        // Four more reports without a2, a second apart: five missed, and silent for longer than five pings.
        for (var s = 21; s <= 24; s++) core.Handle(new AgentsSeen([A1]), Now.AddSeconds(s));
        var lost = Assert.Single(core.Handle(tick, Now.AddSeconds(24)).OfType<AgentLost>());
        Assert.Equal(a2, lost.Agent);
    }

    [Fact]
    public void AReportNamingNobody_CountsAsAPingMissedByEveryAgent()
    {
        var tick = new Tick(new Dictionary<string, double>(), new Dictionary<string, Allocation.RoleQuota>());
        var core = Core();
        for (var s = 1; s <= 4; s++) core.Handle(new AgentsSeen([]), Now.AddSeconds(s));
        Assert.DoesNotContain(core.Handle(tick, Now.AddSeconds(5)), e => e is AgentLost);
        core.Handle(new AgentsSeen([]), Now.AddSeconds(5));
        Assert.Contains(core.Handle(tick, Now.AddSeconds(5)), e => e is AgentLost l && l.Agent == A1);
    }
}
