using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>
/// A RECONCILE the new leader cannot answer yet (the task's agent may still re-register, or its readmission
/// is being written) is answered as soon as that agent settles, with what a retry would be told then.
/// </summary>
public sealed class MasterCoreHeldReconciliationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    private static readonly FrameworkId F1 = new("f1");
    private static readonly AgentId A1 = new("a1"), A2 = new("a2");
    private static readonly TaskId T1 = new("t1"), T2 = new("t2");
    private static readonly Tick Tick = new(new Dictionary<string, double>(), new Dictionary<string, Allocation.RoleQuota>());

    /// <summary>A leader just elected: a1 and a2 may re-register; f1 (partition-aware) was connected and re-subscribes.</summary>
    private static MasterCore NewLeader()
    {
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "t2" });
        core.Handle(new LeadershipStarted([A1, A2], Window,
            [new RecoveredFramework(F1, ["web"], PartitionAware: true, TimeSpan.FromMinutes(5), DisconnectedAt: null)]), T0);
        core.Handle(new SubscribeFramework(F1, new FrameworkInfo("f", "u", ["web"], ["PARTITION_AWARE"], null, null, null), TimeSpan.FromMinutes(5), Known: true), T0);
        return core;
    }

    private static AgentInfo Info(AgentId id) => new(id, $"host-{id.Value}", "10.0.0.1:5051", "cpus:4;mem:1024", new Dictionary<string, string>());

    private static ReportedTask Running(TaskId id) => new(id, F1, "web", ResourceText.Parse("cpus:1;mem:32"), TaskState.Running);

    private static AgentReregistering Back(AgentId id, params TaskId[] running) =>
        new(Info(id), [.. running.Select(Running)], InRegistry: true, WasUnreachable: false);

    private static SendUpdate[] Answers(IReadOnlyList<Effect> effects) =>
        [.. effects.OfType<SendUpdate>().Where(u => u.Reason == "REASON_RECONCILIATION")];

    [Fact]
    public void ATaskOnAnAgentNotYetBack_IsAnsweredWhenTheAgentReregistersWithIt()
    {
        var core = NewLeader();
        Assert.Empty(Answers(core.Handle(new ReconcileTasks(F1, [(T1, A1), (T2, A2)]), T0.AddMilliseconds(100))));

        var answer = Assert.Single(Answers(core.Handle(Back(A1, T1), T0.AddMilliseconds(200))));
        Assert.Equal((T1, TaskState.Running), (answer.Task, answer.State));
        // a2 has not come back: t2 is still not answered, and a1's answer is not given twice.
        Assert.Empty(Answers(core.Handle(new AgentHeartbeat(A1), T0.AddMilliseconds(300))));
        var second = Assert.Single(Answers(core.Handle(Back(A2, T2), T0.AddMilliseconds(400))));
        Assert.Equal((T2, TaskState.Running), (second.Task, second.State));
    }

    [Fact]
    public void AnAgentBackWithoutTheTask_AnswersItUnknown()
    {
        var core = NewLeader();
        core.Handle(new ReconcileTasks(F1, [(T1, A1)]), T0);
        var answer = Assert.Single(Answers(core.Handle(Back(A1), T0.AddSeconds(1))));
        Assert.Equal((T1, TaskState.Unknown), (answer.Task, answer.State));
    }

    [Fact]
    public void AnAgentThatNeverComesBack_HasItsTasksAnsweredUnreachable_WhenTheWindowCloses()
    {
        var core = NewLeader();
        core.Handle(new ReconcileTasks(F1, [(T1, A1)]), T0);
        Assert.Empty(Answers(core.Handle(Tick, T0.AddSeconds(5))));
        var closing = core.Handle(Tick, T0 + Window);
        Assert.Contains(closing, e => e is ProposeRegistry { Command: MarkAgentUnreachable m } && m.AgentId == A1);
        var answer = Assert.Single(Answers(closing));
        Assert.Equal((T1, TaskState.Unreachable), (answer.Task, answer.State));
    }

    [Fact]
    public void AQueryNamingNoAgent_WaitsForEveryAgent()
    {
        var core = NewLeader();
        core.Handle(new ReconcileTasks(F1, [(T2, null)]), T0);
        Assert.Empty(Answers(core.Handle(Back(A1, T1), T0.AddSeconds(1)))); // a2 may still bring it
        var answer = Assert.Single(Answers(core.Handle(Back(A2, T2), T0.AddSeconds(2))));
        Assert.Equal((T2, TaskState.Running), (answer.Task, answer.State));
    }

    [Fact]
    public void ATaskWhoseAgentIsBeingReadmitted_IsAnsweredAtTheCommit()
    {
        var core = NewLeader();
        core.Handle(Back(A1, T1), T0);
        core.Handle(Back(A2), T0);
        var later = T0.AddHours(1);
        Assert.Contains(core.Handle(Tick, later), e => e is SendUpdate { State: TaskState.Unreachable } u && u.Task == T1); // a1 fell silent
        var readmit = Assert.Single(core.Handle(new AgentReregistering(Info(A1), [Running(T1)], InRegistry: true, WasUnreachable: true), later)
            .OfType<ProposeRegistry>()).Command;
        Assert.Empty(Answers(core.Handle(new ReconcileTasks(F1, [(T1, A1)]), later.AddMilliseconds(10))));
        var answer = Assert.Single(Answers(core.Handle(new RegistryWriteCommitted(readmit), later.AddMilliseconds(20))));
        Assert.Equal((T1, TaskState.Running), (answer.Task, answer.State));
    }

    [Fact]
    public void AFrameworkTornDownMeanwhile_IsToldNothing()
    {
        var core = NewLeader();
        core.Handle(new ReconcileTasks(F1, [(T1, A1)]), T0);
        core.Handle(new TeardownFramework(F1), T0.AddMilliseconds(10));
        Assert.DoesNotContain(core.Handle(Back(A1, T1), T0.AddMilliseconds(20)), e => e is SendUpdate { Reason: "REASON_RECONCILIATION" } u && u.Framework == F1);
    }
}
