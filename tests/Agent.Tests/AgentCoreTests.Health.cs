using Mesos.HA.Agent.Core;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Agent.Updates;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Health;
using Mesos.HA.Protocol.Registry;
using Xunit;

namespace Mesos.HA.Agent.Tests;

/// <summary>The built-in command executor's STARTING/RUNNING and its health checks, as transcripts of the core's effects.</summary>
public partial class AgentCoreTests
{
    private static readonly HealthCheckSpec Check = new(HealthCheckKind.Command, "test -f healthy", 0, "", "",
        DelaySeconds: 0, IntervalSeconds: 0.2, GracePeriodSeconds: 0, ConsecutiveFailures: 3);

    private static RunTask Checked(string task) => Spec(task) with { HealthCheck = Check };

    /// <summary>Started at 1 s: its STARTING is resent at 2 s, so inputs before that see no resend.</summary>
    private RunKey StartedChecked(string task)
    {
        Handle(new LinkRegistered(A));
        Handle(new FromMaster(Checked(task)));
        var key = Key(task);
        Handle(new ProcessStarted(key, P, InCgroup: false), 1);
        return key;
    }

    private StatusUpdate LastUpdate(AgentInput input, double atSeconds) =>
        core.Handle(input, T0.AddSeconds(atSeconds)).OfType<AppendToLog>().Select(a => a.Record.Update).OfType<StatusUpdate>().Last();

    [Fact]
    public void ACommandTasksUpdates_ComeFromTheExecutor_StartingThenRunning()
    {
        Handle(new LinkRegistered(A));
        Handle(new FromMaster(Spec("t1")));
        var updates = core.Handle(new ProcessStarted(Key("t1"), P, false), T0).OfType<AppendToLog>().Select(a => a.Record.Update!).ToArray();
        Assert.Equal([TaskState.Starting, TaskState.Running], updates.Select(u => u.State));
        Assert.All(updates, u => Assert.Equal(new UpdateDetails(Source: "SOURCE_EXECUTOR"), u.Details));
        Assert.All(updates, u => Assert.Equal("", u.Reason));
    }

    [Fact]
    public void ATaskWithAHealthCheck_GetsItsCheckerOnceRunningIsRecorded()
    {
        Handle(new LinkRegistered(A));
        Handle(new FromMaster(Checked("t1")));
        Assert.Equal(["append t1 Starting pid durable", "send t1 Starting", "append t1 Running durable", "health-start t1 test -f healthy at 1s"],
            Handle(new ProcessStarted(Key("t1"), P, false), 1));
    }

    [Fact]
    public void AHealthReport_BecomesARunningUpdate_WithHealthyAndTheReason()
    {
        var key = StartedChecked("t1");
        var healthy = LastUpdate(new HealthDecided(key, new HealthReport(true, "the command exited 0", 0)), 2);
        Assert.Equal((TaskState.Running, "the command exited 0", "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED"), (healthy.State, healthy.Message, healthy.Reason));
        Assert.Equal(new UpdateDetails(Healthy: true, Source: "SOURCE_EXECUTOR"), healthy.Details);
        // Queued behind the unacknowledged STARTING and RUNNING: on disk now, sent in its turn.
        Assert.Equal(["append t1 Running healthy=False durable"], Handle(new HealthDecided(key, new HealthReport(false, "exited 1", 1)), 3));
        Assert.Equal(TaskState.Running, core.Runs().Single().State);
    }

    [Fact]
    public void AKillDecision_TakesTheKillPath_AndTheEndSaysUnhealthy()
    {
        var key = StartedChecked("t1");
        Assert.Equal(["note KilledUnhealthy", "mark-killed t1", "health-stop t1", "signal 4242 15", "escalate 4242 after 3s"],
            Handle(new HealthDecided(key, new KillUnhealthyTask("3 checks failed", 3)), 2));
        Assert.Equal([], Handle(new HealthDecided(key, new HealthReport(false, "late", 4)), 1.6)); // from the stopped checker
        Assert.Equal(["release t1", "append t1 Killed healthy=False durable"], Handle(new ProcessExited(key, null), 1.9));
    }

    [Fact]
    public void TheChecker_StopsWhenTheProcessEnds_AndItsLateDecisionsAreDropped()
    {
        var key = StartedChecked("t1");
        Assert.Equal(["health-stop t1", "release t1", "append t1 Finished durable"], Handle(new ProcessExited(key, 0), 1.5));
        Assert.Equal([], Handle(new HealthDecided(key, new HealthReport(true, "late", 0)), 1.6));
        Assert.Equal([], Handle(new HealthDecided(key, new KillUnhealthyTask("late", 3)), 1.6));
    }

    [Fact]
    public void AKillAskedFor_StopsTheChecker()
    {
        var key = StartedChecked("t1");
        Assert.Equal(["mark-killed t1", "health-stop t1", "signal 4242 15", "escalate 4242 after 3s"], Handle(new FromMaster(new KillTask(F, key.Task, 0)), 2));
        Assert.Equal(["release t1", "append t1 Killed durable"], Handle(new ProcessExited(key, null), 1.9));
    }

    [Fact]
    public void ATaskKilledBeforeItStarted_GetsNoChecker()
    {
        Handle(new LinkRegistered(A));
        Handle(new FromMaster(Checked("t1")));
        Handle(new FromMaster(new KillTask(F, new TaskId("t1"), 0)));
        Assert.DoesNotContain(Handle(new ProcessStarted(Key("t1"), P, false)), e => e.StartsWith("health-", StringComparison.Ordinal));
    }

    [Fact]
    public void ARecoveredRunningTask_GetsItsCheckerAgain_TimedFromItsLaunch_AndOneLeftStarting_GetsItsRunning()
    {
        var info = new AgentInfo(A, "h1", "h1:0", "cpus:4;mem:1024", new Dictionary<string, string>());
        var launchedAtMs = T0.AddSeconds(-30).ToUnixTimeMilliseconds();
        RecoveredRun Run(string task, TaskState state) => new(new TaskCheckpoint(Checked(task), "run-" + task, launchedAtMs),
            [new UpdateLogRecord(new StatusUpdate(F, new TaskId(task), state, Guid.NewGuid(), "", "", 0), null, P.ToString())], null, false);
        Assert.Equal(["health-start running test -f healthy at -30s", "watch running 4242",
                "append starting Running durable", "health-start starting test -f healthy at -30s", "watch starting 4242", "note Recovered"],
            Handle(new Recovered(info, [Run("running", TaskState.Running), Run("starting", TaskState.Starting)])));
        // A process that ended while the agent was down: the watcher's answer stops the checker.
        Assert.Equal(["health-stop running", "release running", "append running Failed durable"], Handle(new ProcessExited(Key("running"), null)));
    }

    [Fact]
    public void TheRunner_HandsHealthChecksToItsSeam()
    {
        var checks = new RecordingChecks();
        var runner = new Shell.AgentRunner(core, new FailingDisk(), new NoLauncher(starts: true), new NoEdges(), healthChecks: checks);
        runner.Handle(new LinkRegistered(A), T0);
        runner.Handle(new FromMaster(Checked("t1")), T0);
        runner.Handle(new ProcessExited(Key("t1"), 0), T0.AddSeconds(1));
        Assert.Equal(["start t1 test -f healthy at 0s", "stop t1"], checks.Calls);
    }

    private sealed class RecordingChecks : Shell.IHealthChecks
    {
        public List<string> Calls { get; } = [];
        public void Start(AgentId agent, RunKey run, RunTask task, HealthCheckSpec check, DateTimeOffset startedAt) =>
            Calls.Add($"start {run.Task} {check.Command} at {(startedAt - T0).TotalSeconds}s");
        public void Stop(RunKey run) => Calls.Add($"stop {run.Task}");
    }
}
