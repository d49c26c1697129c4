using Mesos.HA.Master.Allocation;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Xunit;

namespace Mesos.HA.Master.Tests;

public class MasterCoreTaskTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly FrameworkId F1 = new("f1"), Legacy = new("legacy");
    private static readonly AgentId A1 = new("a1");
    private static readonly TaskId T1 = new("t1");
    private static Resources R(string text) => ResourceText.Parse(text);

    /// <summary>A core with agent a1 running task t1 of f1 (launched through an offer).</summary>
    private static MasterCore WithRunningTask(TimeSpan? failoverTimeout = null)
    {
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "t1" });
        core.AddAgent(A1, R("cpus:4;mem:1024"), T0);
        core.AddFramework(F1, ["web"], partitionAware: true, failoverTimeout: failoverTimeout);
        var offer = core.Allocate(new Dictionary<string, double>(), new Dictionary<string, RoleQuota>(), T0)
            .OfType<SendOffers>().Single().Offers.Single();
        core.Accept(F1, [offer.Id], [new TaskLaunch(T1, "t", R("cpus:1;mem:128"), "sleep 100")], TimeSpan.Zero, T0);
        return core;
    }

    [Fact]
    public void StatusUpdates_AreForwardedInOrder_TheNextOnlyAfterTheAck()
    {
        var core = WithRunningTask();
        Guid running = Guid.NewGuid(), finished = Guid.NewGuid();
        var first = Assert.IsType<ForwardUpdate>(Assert.Single(core.StatusUpdate(A1, F1, T1, TaskState.Running, running, "")));
        Assert.Equal((TaskState.Running, running), (first.State, first.Uuid));
        Assert.Empty(core.StatusUpdate(A1, F1, T1, TaskState.Finished, finished, "exit 0")); // held back

        Assert.IsType<CallRejected>(Assert.Single(core.Acknowledge(F1, A1, T1, Guid.NewGuid())));
        var afterAck = core.Acknowledge(F1, A1, T1, running);
        Assert.Equal(new ForwardAcknowledgement(A1, F1, T1, running), afterAck[0]);
        Assert.Equal((TaskState.Finished, finished), (((ForwardUpdate)afterAck[1]).State, ((ForwardUpdate)afterAck[1]).Uuid));
        Assert.Equal(new ForwardAcknowledgement(A1, F1, T1, finished), Assert.Single(core.Acknowledge(F1, A1, T1, finished)));
    }

    [Fact]
    public void TerminalUpdate_ReleasesTheTasksResources()
    {
        var core = WithRunningTask();
        Assert.Equal(R("cpus:3;mem:896"), core.AvailableOn(A1));
        core.StatusUpdate(A1, F1, T1, TaskState.Finished, Guid.NewGuid(), "");
        Assert.Equal(R("cpus:4;mem:1024"), core.AvailableOn(A1));
    }

    [Fact]
    public void SilentAgent_IsMarkedUnreachable_AfterTheMissedPings_AndItsTasksFollowTheFrameworksKind()
    {
        var core = WithRunningTask();
        core.AddFramework(Legacy, ["web"], partitionAware: false);
        core.ReregisterAgent(A1, R("cpus:4;mem:1024"), [new ReportedTask(new TaskId("old"), Legacy, "web", R("cpus:1"), TaskState.Running)], T0);
        core.AgentSeen(A1, T0.AddSeconds(2));
        Assert.Empty(core.CheckAgents(T0.AddSeconds(6.9)));   // 4.9 s of silence: not yet

        var effects = core.CheckAgents(T0.AddSeconds(7));     // 5 pings of 1 s missed
        var mark = Assert.IsType<MarkAgentUnreachable>(Assert.Single(effects.OfType<ProposeRegistry>()).Command);
        Assert.Equal(A1, mark.AgentId);
        var updates = effects.OfType<SendUpdate>().ToDictionary(u => u.Task.Value, u => u.State);
        Assert.Equal(TaskState.Unreachable, updates["t1"]);   // partition-aware framework
        Assert.Equal(TaskState.Lost, updates["old"]);         // the other kind
    }

    [Fact]
    public void ReregisteredAgent_KeepsItsTasks_AndTheirResourcesAreNotOffered()
    {
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "t2" });
        core.AddFramework(F1, ["web"]);
        core.ReregisterAgent(A1, R("cpus:4;mem:1024"), [new ReportedTask(T1, F1, "web", R("cpus:3;mem:512"), TaskState.Running)], T0);
        Assert.Equal(TaskState.Running, Assert.Single(core.Tasks).State);
        var offer = core.Allocate(new Dictionary<string, double>(), new Dictionary<string, RoleQuota>(), T0)
            .OfType<SendOffers>().Single().Offers.Single();
        Assert.Equal(R("cpus:1;mem:512"), offer.Resources);
    }

    [Fact]
    public void Reconcile_ImplicitAndExplicit_AnswerWithReasonReconciliation()
    {
        var core = WithRunningTask();
        core.StatusUpdate(A1, F1, T1, TaskState.Running, Guid.NewGuid(), "");
        var implicitAnswer = Assert.IsType<SendUpdate>(Assert.Single(core.Reconcile(F1, Array.Empty<TaskId>())));
        Assert.Equal((T1, TaskState.Running, "REASON_RECONCILIATION"), (implicitAnswer.Task, implicitAnswer.State, implicitAnswer.Reason));
        var explicitAnswer = core.Reconcile(F1, [T1, new TaskId("ghost")]).Cast<SendUpdate>().ToArray();
        Assert.Equal([TaskState.Running, TaskState.Unknown], explicitAnswer.Select(u => u.State));
        Assert.All(explicitAnswer, u => Assert.Equal("REASON_RECONCILIATION", u.Reason));
    }

    [Fact]
    public void Kill_LiveTaskGoesToItsAgent_UnknownTaskIsAnsweredAsReconciliationWould()
    {
        var core = WithRunningTask();
        Assert.Equal(new KillTask(A1, F1, T1), Assert.Single(core.Kill(F1, T1)));
        Assert.Equal(TaskState.Unknown, Assert.IsType<SendUpdate>(Assert.Single(core.Kill(F1, new TaskId("ghost")))).State); // F1 is partition-aware
    }

    /// <summary>
    /// Found by the simulator (seed 9): a KILL that reached a new leader before the task's agent had
    /// re-registered was answered TASK_UNKNOWN; the framework stopped watching the task, which then came
    /// back with its agent and ran on, never killed. While an agent may still re-register, an unknown
    /// task's KILL is not answered (as RECONCILE does); the framework asks again.
    /// </summary>
    [Fact]
    public void Kill_OfAnUnknownTask_IsNotAnswered_WhileAnAgentMayStillReregister()
    {
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "t2" });
        core.AddFramework(F1, ["web"], partitionAware: true);
        core.StartReregistrationWindow([A1], TimeSpan.FromSeconds(20), T0);
        Assert.Empty(core.Kill(F1, T1));
        Assert.Empty(core.Reconcile(F1, [T1]));
        core.CheckReregistration(T0 + TimeSpan.FromSeconds(21)); // a1 did not come back in time
        Assert.Equal(TaskState.Unknown, Assert.IsType<SendUpdate>(Assert.Single(core.Kill(F1, T1))).State);
    }

    /// <summary>
    /// Found by the simulator (seed 31): a duplicated ACCEPT (a retried request) named an offer already
    /// used, and the master answered TASK_DROPPED for the task the first copy had launched; the framework
    /// forgot a task that ran on. A repeat does not drop a task whose id the master already knows.
    /// </summary>
    [Fact]
    public void Accept_Repeated_DoesNotDropTheTaskTheFirstOneLaunched()
    {
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "t1" });
        core.AddAgent(A1, R("cpus:4;mem:1024"), T0);
        core.AddFramework(F1, ["web"], partitionAware: true);
        var offer = core.Allocate(new Dictionary<string, double>(), new Dictionary<string, RoleQuota>(), T0)
            .OfType<SendOffers>().Single().Offers.Single();
        var launch = new TaskLaunch(T1, "t", R("cpus:1;mem:128"), "sleep 100");
        Assert.IsType<LaunchTask>(Assert.Single(core.Accept(F1, [offer.Id], [launch], TimeSpan.Zero, T0)));
        var other = new TaskLaunch(new TaskId("t2"), "t", R("cpus:1;mem:128"), "sleep 100");
        var repeat = core.Accept(F1, [offer.Id], [launch, other], TimeSpan.Zero, T0);
        var dropped = Assert.IsType<SendUpdate>(Assert.Single(repeat)); // only the task that never launched
        Assert.Equal((new TaskId("t2"), TaskState.Dropped), (dropped.Task, dropped.State));
    }

    /// <summary>
    /// A task dropped (or refused) at launch never ran, but the framework was told how it ended: a KILL sent before it
    /// heard, or a RECONCILE, is answered with that end, not TASK_UNKNOWN after it (the simulator's seed 201433:
    /// TASK_DROPPED, then TASK_UNKNOWN three times).
    /// </summary>
    [Fact]
    public void ATaskDroppedOrRefusedAtLaunch_IsAnsweredWithThatEnd_WhenKilledOrReconciled()
    {
        var core = WithRunningTask();
        var dropped = new TaskId("dropped");
        Assert.Equal(TaskState.Dropped, Assert.IsType<SendUpdate>(Assert.Single(core.Accept(F1, [new OfferId("t1-O999")],
            [new TaskLaunch(dropped, "d", R("cpus:1;mem:64"), "true")], TimeSpan.Zero, T0))).State);
        var offer = core.Allocate(new Dictionary<string, double>(), new Dictionary<string, RoleQuota>(), T0).OfType<SendOffers>().Single().Offers.Single();
        var refused = new TaskId("refused");
        Assert.Equal(TaskState.Error, Assert.IsType<SendUpdate>(Assert.Single(core.Accept(F1, [offer.Id],
            [new TaskLaunch(refused, "r", R("cpus:100;mem:64"), "true")], TimeSpan.Zero, T0))).State);

        Assert.Equal(TaskState.Dropped, Assert.IsType<SendUpdate>(Assert.Single(core.Kill(F1, dropped, A1))).State);
        Assert.Equal(TaskState.Error, Assert.IsType<SendUpdate>(Assert.Single(core.Kill(F1, refused))).State);
        Assert.Equal([TaskState.Dropped, TaskState.Error],
            core.Reconcile(F1, [dropped, refused]).OfType<SendUpdate>().Select(u => u.State));
    }

    [Fact]
    public void FailoverTimeout_KillsTheTasksOfAFrameworkThatDidNotComeBack()
    {
        var core = WithRunningTask(failoverTimeout: TimeSpan.FromSeconds(10));
        var disconnect = core.DisconnectFramework(F1, T0);
        var update = Assert.IsType<UpdateFramework>(Assert.Single(disconnect.OfType<ProposeRegistry>()).Command);
        Assert.Equal(FrameworkConnectionChange.Disconnected, update.Connection);
        Assert.Empty(core.CheckFrameworks(T0.AddSeconds(9.9)));
        var effects = core.CheckFrameworks(T0.AddSeconds(10));
        Assert.Equal(new KillTask(A1, F1, T1), Assert.Single(effects.OfType<KillTask>()));
        Assert.IsType<RemoveFramework>(Assert.Single(effects.OfType<ProposeRegistry>()).Command);
    }

    [Fact]
    public void FrameworkBackWithinItsTimeout_KeepsItsTasks()
    {
        var core = WithRunningTask(failoverTimeout: TimeSpan.FromSeconds(10));
        core.DisconnectFramework(F1, T0);
        var back = core.ReconnectFramework(F1, T0.AddSeconds(5));
        Assert.Equal(FrameworkConnectionChange.Connected,
            Assert.IsType<UpdateFramework>(Assert.Single(back.OfType<ProposeRegistry>()).Command).Connection);
        Assert.Empty(core.CheckFrameworks(T0.AddSeconds(60)));
        Assert.Single(core.Tasks);
    }

    [Fact]
    public void AgentMarkedGone_ItsTasksAreGone_AndTheRegistryRecordsIt()
    {
        var core = WithRunningTask();
        var effects = core.MarkAgentGone(A1, T0.AddSeconds(1));
        Assert.IsType<MarkAgentGone>(Assert.Single(effects.OfType<ProposeRegistry>()).Command);
        Assert.Equal(TaskState.Gone, Assert.Single(effects.OfType<SendUpdate>()).State);
        Assert.Equal(TaskState.Gone, Assert.Single(core.Tasks).State);
    }
}
