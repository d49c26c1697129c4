using Mesos.HA.Master.Allocation;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>Deactivation and drains in the core: no offers, kills with the grace capped, drained once every task's end is acknowledged.</summary>
public class MasterCoreMaintenanceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly FrameworkId F1 = new("f1");
    private static readonly AgentId A1 = new("a1"), A2 = new("a2");
    private static readonly TaskId T1 = new("t1");
    private static Resources R(string text) => ResourceText.Parse(text);

    private static IReadOnlyList<Effect> Allocate(MasterCore core, DateTimeOffset at) =>
        core.Allocate(new Dictionary<string, double>(), new Dictionary<string, RoleQuota>(), at);

    /// <summary>A core with agent a1 running t1 of f1; the rest of a1 stays offered to f1.</summary>
    private static MasterCore WithRunningTask()
    {
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "m" });
        core.AddAgent(A1, R("cpus:4;mem:1024"), T0);
        core.AddFramework(F1, ["web"], partitionAware: true);
        var offer = Allocate(core, T0).OfType<SendOffers>().Single().Offers.Single();
        core.Accept(F1, [offer.Id], [new TaskLaunch(T1, "t", R("cpus:1;mem:128"), "sleep 100")], TimeSpan.Zero, T0);
        Assert.Single(Allocate(core, T0).OfType<SendOffers>()); // the rest of a1
        return core;
    }

    [Fact]
    public void ADeactivatedAgent_HasItsOffersRescinded_AndOffersNothing_UntilReactivated()
    {
        var core = WithRunningTask();
        var effects = core.Handle(new DeactivateAgentCall(A1), T0);
        Assert.Single(effects.OfType<RescindOffer>());
        Assert.Empty(effects.OfType<KillTask>()); // its tasks keep running
        Assert.Empty(Allocate(core, T0.AddSeconds(1)).OfType<SendOffers>());
        core.AddAgent(A2, R("cpus:1;mem:256"), T0);
        Assert.All(Allocate(core, T0.AddSeconds(2)).OfType<SendOffers>().SelectMany(s => s.Offers), o => Assert.Equal(A2, o.Agent));
        Assert.Contains(AllocationWanted.Instance, core.Handle(new ReactivateAgentCall(A1), T0.AddSeconds(3)));
        Assert.Contains(Allocate(core, T0.AddSeconds(4)).OfType<SendOffers>().SelectMany(s => s.Offers), o => o.Agent == A1);
    }

    [Fact]
    public void ADrain_KillsWithTheGraceCapped_AndTheAgentIsDrainedWhenTheEndIsAcknowledged_ThenGoneIfAsked()
    {
        var core = WithRunningTask();
        var effects = core.Handle(new DrainAgentCall(A1, TimeSpan.FromSeconds(2), MarkGone: true), T0);
        Assert.Single(effects.OfType<RescindOffer>());
        var kill = Assert.Single(effects.OfType<KillTask>());
        Assert.Equal((A1, T1, TimeSpan.FromSeconds(2)), (kill.Agent, kill.Task, kill.Grace));
        Assert.Empty(effects.OfType<ProposeRegistry>()); // not drained while a task runs

        var killed = Guid.NewGuid();
        core.Handle(new AgentStatusUpdate(A1, F1, T1, TaskState.Killed, killed, "killed"), T0.AddSeconds(1));
        Assert.Empty(core.Handle(new UpdateAcknowledged(F1, A1, T1, Guid.NewGuid()), T0.AddSeconds(2)).OfType<ProposeRegistry>());
        var acknowledged = core.Handle(new UpdateAcknowledged(F1, A1, T1, killed), T0.AddSeconds(2));
        var writes = acknowledged.OfType<ProposeRegistry>().Select(p => p.Command).ToArray();
        Assert.Equal([typeof(MarkAgentDrained), typeof(MarkAgentGone)], writes.Select(w => w.GetType()));
    }

    [Fact]
    public void ADrainOfAnIdleAgent_IsDrainedAtOnce_AndAnUncappedDrainLeavesTheGraceToTheAgent()
    {
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "m" });
        core.AddAgent(A1, R("cpus:4;mem:1024"), T0);
        var effects = core.Handle(new DrainAgentCall(A1, MaxGrace: null, MarkGone: false), T0);
        Assert.IsType<MarkAgentDrained>(Assert.Single(effects.OfType<ProposeRegistry>()).Command);

        var busy = WithRunningTask();
        Assert.Null(Assert.Single(busy.Handle(new DrainAgentCall(A1, null, false), T0).OfType<KillTask>()).Grace);
    }

    /// <summary>A new leader that recovered a drain of a1 from the registry (f1 holds tasks there).</summary>
    private static MasterCore NewLeaderWithADrain(params AgentId[] unreachable)
    {
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "n" });
        core.Handle(new LeadershipStarted(unreachable.Length > 0 ? [] : [A1], TimeSpan.FromMinutes(1),
            [new RecoveredFramework(F1, ["web"], true, TimeSpan.FromHours(1), null)])
        {
            UnreachableAgents = unreachable,
            Maintenance = [new AgentMaintenanceState(A1, new AgentMaintenance(Draining: true, MaxGraceMs: 3_000, MarkGone: false, Drained: false))],
        }, T0);
        return core;
    }

    private static readonly AgentInfo A1Info = new(A1, "h", "h:5051", "cpus:4;mem:1024", new Dictionary<string, string>());
    private static readonly ReportedTask T1Running = new(T1, F1, "web", R("cpus:1;mem:128"), TaskState.Running);

    /// <summary>
    /// The kill goes out when the agent is first heard from on its session, not in the re-registration's own
    /// decision: the hub opens the session only after carrying that decision out, and a kill in it reached no one
    /// (a drain whose first kills died with the leader that started it never ended; OperatorApiTests in CI).
    /// </summary>
    [Fact]
    public void ANewLeader_GoesOnWithADrain_KillingWhatTheAgentReports_OnceItIsHeardFromOnItsSession()
    {
        var core = NewLeaderWithADrain();
        var reregistered = core.Handle(new AgentReregistering(A1Info, [T1Running], InRegistry: true, WasUnreachable: false), T0.AddSeconds(1));
        Assert.Empty(reregistered.OfType<KillTask>());
        var kill = Assert.Single(core.Handle(new AgentsSeen([A2, A1]), T0.AddSeconds(2)).OfType<KillTask>());
        Assert.Equal((T1, TimeSpan.FromSeconds(3)), (kill.Task, kill.Grace));
        Assert.Empty(core.Handle(new AgentsSeen([A1]), T0.AddSeconds(3))); // once per re-registration
        Assert.Empty(Allocate(core, T0.AddSeconds(4)).OfType<SendOffers>()); // still out of offers
    }

    /// <summary>
    /// An agent the registry held as unreachable counts again only once its readmission commits: its drain's kills
    /// follow that, and it is not taken for drained before its tasks count (it was, at once, with its tasks running).
    /// </summary>
    [Fact]
    public void ADrainingAgentBackFromUnreachable_IsKilledOnceReadmitted_AndHeardFrom()
    {
        var core = NewLeaderWithADrain(unreachable: A1);
        var reregistered = core.Handle(new AgentReregistering(A1Info, [T1Running], InRegistry: true, WasUnreachable: true), T0.AddSeconds(1));
        var readmit = Assert.IsType<ReadmitAgent>(Assert.Single(reregistered.OfType<ProposeRegistry>()).Command);
        Assert.Empty(core.Handle(new AgentHeartbeat(A1), T0.AddSeconds(2)).OfType<KillTask>()); // its tasks are not known yet
        Assert.Empty(core.Handle(new RegistryWriteCommitted(readmit), T0.AddSeconds(3)).OfType<KillTask>());
        var kill = Assert.Single(core.Handle(new AgentHeartbeat(A1), T0.AddSeconds(4)).OfType<KillTask>());
        Assert.Equal((A1, T1, TimeSpan.FromSeconds(3)), (kill.Agent, kill.Task, kill.Grace));
        Assert.DoesNotContain(core.Handle(new AgentHeartbeat(A1), T0.AddSeconds(5)).OfType<ProposeRegistry>(), p => p.Command is MarkAgentDrained);
    }

    [Fact]
    public void ADrainingAgentBackFromUnreachable_WithoutTasks_IsDrainedOnceReadmitted()
    {
        var core = NewLeaderWithADrain(unreachable: A1);
        var reregistered = core.Handle(new AgentReregistering(A1Info, [], InRegistry: true, WasUnreachable: true), T0.AddSeconds(1));
        var readmit = Assert.IsType<ReadmitAgent>(Assert.Single(reregistered.OfType<ProposeRegistry>()).Command);
        var committed = core.Handle(new RegistryWriteCommitted(readmit), T0.AddSeconds(2));
        Assert.Contains(committed.OfType<ProposeRegistry>(), p => p.Command is MarkAgentDrained { AgentId.Value: "a1" });
    }
}
