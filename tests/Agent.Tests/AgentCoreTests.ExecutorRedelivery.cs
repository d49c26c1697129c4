using Mesos.HA.Agent.Core;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Agent.Updates;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Registry;
using Xunit;

namespace Mesos.HA.Agent.Tests;

/// <summary>
/// A LAUNCH written to an executor's stream can die with the stream (or with the agent) before the
/// executor reads it. When the executor subscribes again without naming the task, the task is given
/// to it again; one killed meanwhile ends KILLED. Without this the task stayed TASK_STAGING for good
/// (secure chaos, seeds 33624666 and 39112862: executor tasks STAGING on a restarted agent for 60 s).
/// </summary>
public partial class AgentCoreTests
{
    private static readonly ExecutorKey Ex1 = new(F, "ex1");
    private static readonly ExecutorSpec Ex1Spec = new("ex1", "ex", "worker", "cpus:0.1;mem:32");

    private static RunTask ForExecutor(string task) => new(F, new TaskId(task), task, "*", "cpus:0.1;mem:16", "", Ex1Spec);

    private IReadOnlyList<AgentEffect> Subscribe(long call, params string[] unacknowledgedTasks) =>
        core.Handle(new ExecutorCallReceived(call, Ex1, new SubscribeBody([.. unacknowledgedTasks.Select(t => new TaskId(t))], [])), T0);

    private static string[] Launches(IEnumerable<AgentEffect> effects, long stream) =>
        [.. effects.OfType<SendToExecutor>().Where(s => s.Stream == stream).Select(s => s.Event).OfType<LaunchOut>().Select(l => l.Task.Task.Value)];

    private static StatusUpdate Update(string task, TaskState state) => new(F, new TaskId(task), state, Guid.NewGuid(), "", "", 0);

    [Fact]
    public void TheStreamBreaks_ATaskSentOnItThatTheExecutorDoesNotName_IsGivenAgain_AKilledOneEndsKilled()
    {
        Handle(new LinkRegistered(A));
        Handle(new FromMaster(ForExecutor("running")));
        Assert.Equal(["running"], Launches(Subscribe(1), 1));
        foreach (var task in new[] { "unseen", "received", "killed" })
            Assert.Equal([task], Launches(core.Handle(new FromMaster(ForExecutor(task)), T0), 1));
        core.Handle(new ExecutorCallReceived(2, Ex1, new UpdateBody(Update("running", TaskState.Running))), T0);
        core.Handle(new ExecutorStreamClosed(Ex1, 1), T0);
        // Killed while the executor is away: nobody to tell yet.
        Assert.DoesNotContain(core.Handle(new FromMaster(new KillTask(F, new TaskId("killed"), 1000)), T0), e => e is SendToExecutor);

        var again = Subscribe(3, "received");

        Assert.Equal(["unseen"], Launches(again, 3));
        var killed = Assert.Single(again.OfType<SendToMaster>().Select(s => s.Message).OfType<StatusUpdate>());
        Assert.Equal(("killed", TaskState.Killed, "REASON_TASK_KILLED_DURING_LAUNCH"), (killed.Task.Value, killed.State, killed.Reason));
        Assert.DoesNotContain(again.OfType<SendToExecutor>(), s => s.Event is KillOut);
    }

    [Fact]
    public void AfterAnAgentRestart_AStagingTaskTheExecutorDoesNotName_IsGivenAgain_AndAKillIsSentAgain()
    {
        var info = new AgentInfo(A, "h1", "h1:0", "cpus:4;mem:1024", new Dictionary<string, string>());
        var executor = new RecoveredExecutor(new ExecutorCheckpoint(F, "*", Ex1Spec, "executor-run", 0), new TaskProcess(9, 1));
        RecoveredRun Run(string task, bool killed, params UpdateLogRecord[] records) =>
            new(new TaskCheckpoint(ForExecutor(task), "run-" + task, 0), records, null, killed);
        core.Handle(new Recovered(info, [
            Run("running", false, new UpdateLogRecord(Update("running", TaskState.Running), null)),
            Run("unseen", false),
            Run("received", false),
            Run("killing", false, new UpdateLogRecord(Update("killing", TaskState.Running), null)),
        ], [executor]), T0);
        core.Handle(new LinkRegistered(A), T0);
        core.Handle(new FromMaster(new KillTask(F, new TaskId("killing"), 1000)), T0);

        var again = Subscribe(1, "received");

        Assert.Equal(["unseen"], Launches(again, 1));
        Assert.Equal(["killing"], again.OfType<SendToExecutor>().Select(s => s.Event).OfType<KillOut>().Select(k => k.Task.Value));
    }

    [Fact]
    public void TheFirstSubscription_GetsTheQueuedTasksOnce_InLaunchOrder()
    {
        Handle(new LinkRegistered(A));
        Handle(new FromMaster(ForExecutor("first")));
        Handle(new FromMaster(ForExecutor("second")));

        Assert.Equal(["first", "second"], Launches(Subscribe(1), 1));
    }
}
