using Mesos.HA.Master.Allocation;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>Status updates resent by agents (lost acknowledgements, failovers) and the end of a task's life in the core.</summary>
public class MasterCoreUpdateDeliveryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly FrameworkId F1 = new("f1");
    private static readonly AgentId A1 = new("a1");
    private static readonly TaskId T1 = new("t1"), T2 = new("t2");
    private static Resources R(string text) => ResourceText.Parse(text);

    private static MasterCore WithTasks(params TaskId[] ids)
    {
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "t1" });
        core.AddAgent(A1, R("cpus:4;mem:1024"), T0);
        core.AddFramework(F1, ["web"]);
        var offer = core.Allocate(new Dictionary<string, double>(), new Dictionary<string, RoleQuota>(), T0)
            .OfType<SendOffers>().Single().Offers.Single();
        core.Accept(F1, [offer.Id], [.. ids.Select(id => new TaskLaunch(id, "t", R("cpus:1;mem:64"), "sleep 1"))], TimeSpan.Zero, T0);
        return core;
    }

    [Fact]
    public void ResendOfTheUpdateInFlight_IsForwardedAgain_ButNotQueuedTwice()
    {
        var core = WithTasks(T1);
        var running = Guid.NewGuid();
        var first = Assert.Single(core.StatusUpdate(A1, F1, T1, TaskState.Running, running, ""));
        Assert.Equal(first, Assert.Single(core.StatusUpdate(A1, F1, T1, TaskState.Running, running, ""))); // the framework may have lost it
        var acked = core.Acknowledge(F1, A1, T1, running);
        Assert.Equal(new ForwardAcknowledgement(A1, F1, T1, running), Assert.Single(acked)); // nothing queued behind it
    }

    [Fact]
    public void ResendOfAnAcknowledgedUpdate_GetsTheAcknowledgementAgain_NotASecondDelivery()
    {
        var core = WithTasks(T1);
        var running = Guid.NewGuid();
        core.StatusUpdate(A1, F1, T1, TaskState.Running, running, "");
        core.Acknowledge(F1, A1, T1, running);
        Assert.Equal(new ForwardAcknowledgement(A1, F1, T1, running), Assert.Single(core.StatusUpdate(A1, F1, T1, TaskState.Running, running, "")));
        Assert.Empty(core.Acknowledge(F1, A1, T1, running)); // a repeated acknowledgement is a no-op
    }

    [Fact]
    public void ResendOfAWaitingUpdate_IsDropped()
    {
        var core = WithTasks(T1);
        Guid running = Guid.NewGuid(), finished = Guid.NewGuid();
        core.StatusUpdate(A1, F1, T1, TaskState.Running, running, "");
        Assert.Empty(core.StatusUpdate(A1, F1, T1, TaskState.Finished, finished, ""));
        Assert.Empty(core.StatusUpdate(A1, F1, T1, TaskState.Finished, finished, ""));
        var afterAck = core.Acknowledge(F1, A1, T1, running);
        Assert.Equal(2, afterAck.Count);
        Assert.Equal(finished, ((ForwardUpdate)afterAck[1]).Uuid);
        Assert.Single(core.Acknowledge(F1, A1, T1, finished));
    }

    [Fact]
    public void AcknowledgedTerminalUpdate_CompletesTheTask_WhichReconciliationStillKnows()
    {
        var core = WithTasks(T1);
        var finished = Guid.NewGuid();
        core.StatusUpdate(A1, F1, T1, TaskState.Finished, finished, "");
        core.Acknowledge(F1, A1, T1, finished);
        Assert.Empty(core.Tasks);
        var answer = Assert.IsType<SendUpdate>(Assert.Single(core.Reconcile(F1, [T1])));
        Assert.Equal(TaskState.Finished, answer.State);
        Assert.Empty(core.Reconcile(F1, Array.Empty<TaskId>())); // implicit reconciliation lists live tasks only
    }

    [Fact]
    public void AcknowledgementOfAnUpdateAPreviousLeaderForwarded_GoesToTheAgent_UnknownTaskIsRefused()
    {
        var core = WithTasks(T1);
        var earlier = Guid.NewGuid();
        Assert.Equal(new ForwardAcknowledgement(A1, F1, T1, earlier), Assert.Single(core.Acknowledge(F1, A1, T1, earlier)));
        Assert.IsType<CallRejected>(Assert.Single(core.Acknowledge(F1, A1, new TaskId("nope"), earlier)));
        Assert.IsType<CallRejected>(Assert.Single(core.Acknowledge(F1, new AgentId("other"), T1, earlier)));
    }

    [Fact]
    public void ReregisteringAgent_ThatDoesNotReportALaunchedTask_GetsItDropped()
    {
        var core = WithTasks(T1, T2);
        var info = new AgentInfo(A1, "h", "127.0.0.1:5051", "cpus:4;mem:1024", new Dictionary<string, string>());
        var effects = core.ReregisterAgent(info, [new ReportedTask(T1, F1, "web", R("cpus:1;mem:64"), TaskState.Running)], wasUnreachable: false, T0);
        var dropped = Assert.IsType<SendUpdate>(Assert.Single(effects));
        Assert.Equal((T2, TaskState.Dropped, "REASON_RECONCILIATION"), (dropped.Task, dropped.State, dropped.Reason));
        Assert.Equal(TaskState.Running, core.Tasks.Single(t => t.Id == T1).State);
    }

    /// <summary>
    /// Found by the simulator (50 of 200 seeds once the checker asked): after a failover the agent
    /// reported a task TASK_FINISHED with its TASK_RUNNING still unacknowledged; reconciliation answered
    /// FINISHED and the resent RUNNING followed, so the framework heard its task go backwards. Answers
    /// follow the update the framework hears next, until the resend arrives.
    /// </summary>
    [Fact]
    public void Reconciliation_AfterAFailover_DoesNotRunAheadOfTheUpdatesTheAgentStillResends()
    {
        var core = WithTasks();
        var info = new AgentInfo(A1, "h", "127.0.0.1:5051", "cpus:4;mem:1024", new Dictionary<string, string>());
        core.ReregisterAgent(info, [new ReportedTask(T1, F1, "web", R("cpus:1;mem:64"), TaskState.Finished, TaskState.Running)], wasUnreachable: false, T0);
        Assert.Equal(TaskState.Running, Assert.IsType<SendUpdate>(Assert.Single(core.Reconcile(F1, [T1]))).State);
        Assert.Empty(core.Kill(F1, T1)); // it ended; the updates saying so are on their way

        var running = Guid.NewGuid();
        Assert.IsType<ForwardUpdate>(Assert.Single(core.StatusUpdate(A1, F1, T1, TaskState.Running, running, "")));
        Assert.Equal(TaskState.Running, Assert.IsType<SendUpdate>(Assert.Single(core.Reconcile(F1, [T1]))).State); // in flight
        core.Acknowledge(F1, A1, T1, running);
        var finished = Guid.NewGuid();
        Assert.IsType<ForwardUpdate>(Assert.Single(core.StatusUpdate(A1, F1, T1, TaskState.Finished, finished, "")));
        core.Acknowledge(F1, A1, T1, finished);
        Assert.Equal(TaskState.Finished, Assert.IsType<SendUpdate>(Assert.Single(core.Reconcile(F1, [T1]))).State);
    }

    /// <summary>
    /// The simulator's seed 100461: after a failover the framework acknowledged the agent's resent
    /// TASK_RUNNING, whose agent then died before it recorded the acknowledgement; a reconciliation
    /// answered the TASK_FINISHED the agent had reported, and the agent's next resend of TASK_RUNNING
    /// reached the framework after it. Until the agent's next update arrives, answers are what the
    /// framework last acknowledged.
    /// </summary>
    [Fact]
    public void Reconciliation_AfterTheResendWasAcknowledged_StaysWithIt_UntilTheAgentsNextUpdate()
    {
        var core = WithTasks();
        var info = new AgentInfo(A1, "h", "127.0.0.1:5051", "cpus:4;mem:1024", new Dictionary<string, string>());
        core.ReregisterAgent(info, [new ReportedTask(T1, F1, "web", R("cpus:1;mem:64"), TaskState.Finished, TaskState.Running)], wasUnreachable: false, T0);
        var running = Guid.NewGuid();
        core.StatusUpdate(A1, F1, T1, TaskState.Running, running, "");
        core.Acknowledge(F1, A1, T1, running);

        Assert.Equal(TaskState.Running, Assert.IsType<SendUpdate>(Assert.Single(core.Reconcile(F1, [T1]))).State);
        Assert.Empty(core.Kill(F1, T1)); // it ended; the update saying so is still to come
        // The agent lost the acknowledgement and resends: acknowledged again, not forwarded.
        Assert.IsType<ForwardAcknowledgement>(Assert.Single(core.StatusUpdate(A1, F1, T1, TaskState.Running, running, "")));
        var finished = Guid.NewGuid();
        Assert.IsType<ForwardUpdate>(Assert.Single(core.StatusUpdate(A1, F1, T1, TaskState.Finished, finished, "")));
        Assert.Equal(TaskState.Finished, Assert.IsType<SendUpdate>(Assert.Single(core.Reconcile(F1, [T1]))).State);
    }

    /// <summary>
    /// Found by the simulator's 10,000-seed run (seeds 100120, 100859): a new leader answered TASK_UNKNOWN
    /// for a task on an agent the registry held as unreachable (or whose readmission was still being
    /// written); the framework stopped watching a task that came back with its agent and ran on. Such a
    /// task is TASK_UNREACHABLE (partition-aware) or TASK_LOST, for a KILL naming the agent too.
    /// </summary>
    [Fact]
    public void Reconciliation_OfATaskOnAnUnreachableAgent_IsUnreachable_NotUnknown()
    {
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "t3" });
        var now = T0;
        core.Handle(new LeadershipStarted([], TimeSpan.FromSeconds(20), [new RecoveredFramework(F1, ["web"], true, TimeSpan.FromDays(1), null)])
            { UnreachableAgents = [A1] }, now);
        var answer = Assert.IsType<SendUpdate>(Assert.Single(core.Reconcile(F1, [(T1, (AgentId?)A1)])));
        Assert.Equal(TaskState.Unreachable, answer.State);
        Assert.Equal(TaskState.Unreachable, Assert.IsType<SendUpdate>(Assert.Single(core.Kill(F1, T1, A1))).State);
        var unknown = Assert.IsType<SendUpdate>(Assert.Single(core.Reconcile(F1, [(T1, (AgentId?)new AgentId("elsewhere"))])));
        Assert.Equal(TaskState.Unknown, unknown.State);

        // The agent comes back (its readmission pending, then committed) with the task: now it is known.
        var info = new AgentInfo(A1, "h", "127.0.0.1:5051", "cpus:4;mem:1024", new Dictionary<string, string>());
        var readmit = core.Handle(new AgentReregistering(info, [new ReportedTask(T1, F1, "web", R("cpus:1;mem:64"), TaskState.Running)],
            InRegistry: true, WasUnreachable: true), now);
        var write = Assert.IsType<ProposeRegistry>(Assert.Single(readmit));
        // Until the readmission commits the registry still holds the agent unreachable, and so does the answer.
        Assert.Equal(TaskState.Unreachable, Assert.IsType<SendUpdate>(Assert.Single(core.Reconcile(F1, [(T1, (AgentId?)A1)]))).State);
        core.Handle(new RegistryWriteCommitted(write.Command), now);
        Assert.Equal(TaskState.Running, Assert.IsType<SendUpdate>(Assert.Single(core.Reconcile(F1, [(T1, (AgentId?)A1)]))).State);
    }

    /// <summary>
    /// Found by the simulator's 10,000-seed run (seed 100752): an agent marked unreachable came back
    /// without a task this leader had placed on it (the launch was lost with the connection); the task
    /// stayed TASK_UNREACHABLE for good, and its framework waited for it forever. It is dropped.
    /// </summary>
    [Fact]
    public void AgentBackFromUnreachable_WithoutATask_GetsItDropped()
    {
        var core = WithTasks(T1, T2);
        var silent = core.CheckAgents(T0 + TimeSpan.FromMinutes(1));
        Assert.Equal(2, silent.OfType<SendUpdate>().Count(u => u.State == TaskState.Unreachable));
        var info = new AgentInfo(A1, "h", "127.0.0.1:5051", "cpus:4;mem:1024", new Dictionary<string, string>());
        var readmit = core.ReregisterAgent(info, [new ReportedTask(T1, F1, "web", R("cpus:1;mem:64"), TaskState.Running)], wasUnreachable: true, T0);
        // While the readmission is written, answers about its tasks wait: the commit decides (seed 112924
        // heard TASK_DROPPED and then the older TASK_UNREACHABLE that a query had been answered with meanwhile).
        Assert.Empty(core.Reconcile(F1, [(T2, (AgentId?)A1)]));
        Assert.Empty(core.Kill(F1, T2, A1));
        var effects = core.Handle(new RegistryWriteCommitted(Assert.IsType<ProposeRegistry>(Assert.Single(readmit)).Command), T0);
        var dropped = Assert.Single(effects.OfType<SendUpdate>());
        Assert.Equal((T2, TaskState.Dropped), (dropped.Task, dropped.State));
        Assert.Equal(TaskState.Running, core.Tasks.Single(t => t.Id == T1).State);
    }

    /// <summary>A stale copy of an earlier update, arriving after the task's end was acknowledged, is acknowledged to the agent, not forwarded.</summary>
    [Fact]
    public void StaleUpdate_AfterTheEndWasAcknowledged_IsAcknowledgedToTheAgent_NotForwarded()
    {
        var core = WithTasks(T1);
        Guid running = Guid.NewGuid(), finished = Guid.NewGuid();
        core.StatusUpdate(A1, F1, T1, TaskState.Running, running, "");
        core.Acknowledge(F1, A1, T1, running);
        core.StatusUpdate(A1, F1, T1, TaskState.Finished, finished, "");
        core.Acknowledge(F1, A1, T1, finished);
        Assert.Equal(new ForwardAcknowledgement(A1, F1, T1, running), Assert.Single(core.StatusUpdate(A1, F1, T1, TaskState.Running, running, "")));
    }

    [Fact]
    public void ExplicitReconciliation_OfAnUnknownTask_WaitsWhileAgentsMayStillReregister()
    {
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "t2" });
        core.AddFramework(F1, ["web"], partitionAware: false);
        core.StartReregistrationWindow([A1], TimeSpan.FromMinutes(1), T0);
        Assert.Empty(core.Reconcile(F1, [(T1, (AgentId?)A1)]));
        Assert.Empty(core.Reconcile(F1, [(T1, (AgentId?)null)]));
        var lost = Assert.IsType<SendUpdate>(Assert.Single(core.Reconcile(F1, [(T1, (AgentId?)new AgentId("elsewhere"))])));
        Assert.Equal(TaskState.Lost, lost.State);

        core.CheckReregistration(T0.AddMinutes(2)); // the window closed without a1
        Assert.Equal(TaskState.Lost, Assert.IsType<SendUpdate>(Assert.Single(core.Reconcile(F1, [T1]))).State);
    }
}
