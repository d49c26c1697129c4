using Mesos.HA.Agent.Core;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Agent.Updates;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Xunit;

namespace Mesos.HA.Agent.Tests;

/// <summary>
/// The agent's decisions, input by input, as transcripts of the effects: no disk, no processes, no
/// sockets. Each line is one effect, in the order the shell must carry them out.
/// </summary>
public partial class AgentCoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly FrameworkId F = new("f1");
    private static readonly AgentId A = new("a1");
    private static readonly TaskProcess P = new(4242, 77);

    private readonly AgentCore core;
    private int ids;

    public AgentCoreTests() => core = new AgentCore(new AgentOptions
    {
        Masters = ["m:1"], WorkDirectory = "/unused", Resources = ResourceText.Parse("cpus:4;mem:1024"), Hostname = "h1",
        KillGracePeriod = TimeSpan.FromSeconds(3),
    }, () => new Guid(++ids, 0, 0, new byte[8]));

    private static RunTask Spec(string task, string command = "sleep 1", string resources = "cpus:1;mem:64") =>
        new(F, new TaskId(task), task, "*", resources, command);

    private string[] Handle(AgentInput input, double atSeconds = 0) =>
        [.. core.Handle(input, T0.AddSeconds(atSeconds)).Select(Render)];

    private static string Render(AgentEffect effect) => effect switch
    {
        SaveAgentInfo s => $"save-info {s.Info.Id}",
        CreateRun c => $"create {c.Run.Task}",
        StartProcess s => $"start {s.Run.Task} `{s.Task.Command}`",
        AppendToLog { Record.Update: { } u } a => $"append {a.Run.Task} {u.State}{Healthy(u)}{(a.Record.Process is null ? "" : " pid")}{(a.Durable ? " durable" : "")}",
        AppendToLog { Record.Acknowledged: not null } a => $"append {a.Run.Task} ack{(a.Durable ? " durable" : "")}",
        SendToMaster { Message: StatusUpdate u } => $"send {u.Task} {u.State}{Healthy(u)}",
        StartHealthCheck h => $"health-start {h.Run.Task} {h.Check.Command} at {(h.StartedAt - T0).TotalSeconds}s",
        StopHealthCheck h => $"health-stop {h.Run.Task}",
        MarkKilled k => $"mark-killed {k.Run.Task}",
        MarkCompleted c => $"completed {c.Run.Task}",
        SignalProcess s => $"signal {s.Process.Pid} {s.Signal}",
        EscalateKill e => $"escalate {e.Process.Pid} after {e.After.TotalSeconds}s",
        ReleaseRun r => $"release {r.Run.Task}",
        WatchProcess w => $"watch {w.Run.Task} {(w.Process is { } p ? p.Pid.ToString() : "none")}",
        ShutdownStarted s => $"shutdown-deadline {s.Deadline.TotalSeconds}s",
        ShutDown => "shut-down",
        Noted n => $"note {n.Note}",
        _ => effect.ToString(),
    };

    private static string Healthy(StatusUpdate u) => u.Details?.Healthy is { } healthy ? $" healthy={healthy}" : "";

    private RunKey Key(string task) => core.Runs().Single(r => r.Key.Task.Value == task).Key;

    private Guid Head(string task) => ((StatusUpdate)core.Handle(new LinkRegistered(A), T0.AddHours(1))
        .OfType<SendToMaster>().Select(s => s.Message).OfType<StatusUpdate>().Single(u => u.Task.Value == task)).Uuid;

    private RunKey Started(string task)
    {
        Handle(new FromMaster(Spec(task)));
        var key = Key(task);
        Handle(new ProcessStarted(key, P, InCgroup: false));
        return key;
    }

    [Fact]
    public void ALaunch_IsCheckpointedBeforeItStarts_AndEachUpdateIsOnDiskBeforeItIsSent()
    {
        Assert.Equal(["save-info a1"], Handle(new LinkRegistered(A)));
        Assert.Equal(["create t1", "start t1 `sleep 1`"], Handle(new FromMaster(Spec("t1"))));
        // STARTING carries the pid; RUNNING waits in the stream until STARTING is acknowledged.
        Assert.Equal(["append t1 Starting pid durable", "send t1 Starting", "append t1 Running durable"], Handle(new ProcessStarted(Key("t1"), P, false)));
        Assert.Equal(["release t1", "append t1 Finished durable"], Handle(new ProcessExited(Key("t1"), 0)));
    }

    [Fact]
    public void Updates_WaitForTheHeadsAcknowledgement_ThenTheRunCompletes()
    {
        Handle(new LinkRegistered(A));
        var key = Started("t1");
        Handle(new ProcessExited(key, 3));
        var starting = Head("t1");
        Assert.Equal(["append t1 ack durable", "send t1 Running"], Handle(new FromMaster(new AcknowledgeUpdate(F, key.Task, starting)), 2));
        Assert.Equal([], Handle(new FromMaster(new AcknowledgeUpdate(F, key.Task, starting)), 2)); // a duplicate, crossed with a resend
        var running = Head("t1");
        Assert.Equal(["append t1 ack durable", "send t1 Failed"], Handle(new FromMaster(new AcknowledgeUpdate(F, key.Task, running)), 2));
        var failed = Head("t1");
        Assert.Equal(["append t1 ack durable", "completed t1"], Handle(new FromMaster(new AcknowledgeUpdate(F, key.Task, failed)), 3));
        Assert.Empty(core.Runs());
        Assert.Equal(["note AckUnknown"], Handle(new FromMaster(new AcknowledgeUpdate(F, key.Task, failed)), 4));
    }

    [Fact]
    public void AnAcknowledgement_IsFlushedBeforeTheNextUpdateGoesOut_NotBefore()
    {
        Handle(new LinkRegistered(A));
        var key = Started("t1");
        Assert.Equal(["append t1 ack durable", "send t1 Running"], Handle(new FromMaster(new AcknowledgeUpdate(F, key.Task, Head("t1"))), 1));
        // Nothing to send next: the acknowledgement waits for the next update's flush (same log, in order).
        Assert.Equal(["append t1 ack"], Handle(new FromMaster(new AcknowledgeUpdate(F, key.Task, Head("t1"))), 1));
        Assert.Equal(["release t1", "append t1 Finished durable", "send t1 Finished"], Handle(new ProcessExited(key, 0), 2));
    }

    [Fact]
    public void AnUnacknowledgedUpdate_IsResentWithDoublingBackoff_AndAtOnceToANewLeader()
    {
        Handle(new LinkRegistered(A));
        Started("t1");
        Assert.Equal([], Handle(new UpdatesDue(), 0.9));
        Assert.Equal(["send t1 Starting"], Handle(new UpdatesDue(), 1.0));
        Assert.Equal([], Handle(new UpdatesDue(), 2.9));
        Assert.Equal(["send t1 Starting"], Handle(new UpdatesDue(), 3.0));
        Assert.Equal([], Handle(new LinkLost(), 3.5));
        Assert.Equal([], Handle(new UpdatesDue(), 10)); // no leader: nothing goes out
        Assert.Equal(["send t1 Starting"], Handle(new LinkRegistered(A), 10.5));
    }

    [Fact]
    public void WithoutALeader_UpdatesAreCheckpointedButNotSent()
    {
        Handle(new LinkRegistered(A));
        Handle(new LinkLost());
        Assert.Equal(["create t1", "start t1 `sleep 1`"], Handle(new FromMaster(Spec("t1"))));
        Assert.Equal(["append t1 Starting pid durable", "append t1 Running durable"], Handle(new ProcessStarted(Key("t1"), P, false)));
        Assert.Equal(["send t1 Starting"], Handle(new LinkRegistered(A), 1));
    }

    [Fact]
    public void AKill_IsCheckpointedBeforeTheSignal_AndTheEndIsReportedKilled()
    {
        Handle(new LinkRegistered(A));
        var key = Started("t1");
        Assert.Equal(["mark-killed t1", "signal 4242 15", "escalate 4242 after 5s"], Handle(new FromMaster(new KillTask(F, key.Task, 5000))));
        // A repeated kill signals again (the first one's SIGKILL may have died with an earlier run of the agent).
        Assert.Equal(["signal 4242 15", "escalate 4242 after 3s"], Handle(new FromMaster(new KillTask(F, key.Task, 0))));
        Assert.Equal(["release t1", "append t1 Killed durable"], Handle(new ProcessExited(key, null)));
        Assert.Equal(["note KillUnknown"], Handle(new FromMaster(new KillTask(F, key.Task, 0))));
        Assert.Equal(["note KillUnknown"], Handle(new FromMaster(new KillTask(F, new TaskId("nope"), 0))));
    }

    [Fact]
    public void AKillBeforeTheProcessStarted_SignalsItWhenItStarts()
    {
        Handle(new LinkRegistered(A));
        Handle(new FromMaster(Spec("t1")));
        var key = Key("t1");
        Assert.Equal(["mark-killed t1"], Handle(new FromMaster(new KillTask(F, key.Task, 0))));
        Assert.Equal(["append t1 Starting pid durable", "send t1 Starting", "append t1 Running durable", "signal 4242 15", "escalate 4242 after 3s"],
            Handle(new ProcessStarted(key, P, false)));
    }

    [Theory]
    [InlineData(0, false, "Finished")]
    [InlineData(1, false, "Failed")]
    [InlineData(125, true, "Failed")]
    [InlineData(null, false, "Failed")]
    public void TheExitCode_DecidesTheEnd(int? code, bool inCgroup, string expected)
    {
        Handle(new LinkRegistered(A));
        Handle(new FromMaster(Spec("t1")));
        var key = Key("t1");
        Handle(new ProcessStarted(key, P, inCgroup));
        var effects = core.Handle(new ProcessExited(key, code), T0);
        var update = effects.OfType<AppendToLog>().Single().Record.Update!;
        Assert.Equal(expected, update.State.ToString());
        if (code == 125) Assert.Equal("could not join the task's cgroup", update.Message);
    }

    [Fact]
    public void ALaunchThatCannotStart_FailsTheTask()
    {
        Handle(new LinkRegistered(A));
        Handle(new FromMaster(Spec("t1")));
        Assert.Equal(["note LaunchFailed", "append t1 Failed durable", "send t1 Failed"], Handle(new LaunchFailed(Key("t1"), "no shell")));
    }

    [Fact]
    public void BadAndDuplicateLaunches_ChangeNothing()
    {
        Handle(new LinkRegistered(A));
        Assert.Equal(["note BadLaunch"], Handle(new FromMaster(Spec("t1", resources: "cpus:abc"))));
        Assert.Equal(["note BadLaunch"], Handle(new FromMaster(Spec("t1", command: " "))));
        Assert.Empty(core.Runs());
        Started("t1");
        Assert.Equal(["note DuplicateLaunch"], Handle(new FromMaster(Spec("t1"))));
        Assert.Single(core.Runs());
    }

    [Fact]
    public void AnExitOfAnOlderRun_OfTheSameTaskId_IsIgnored()
    {
        Handle(new LinkRegistered(A));
        var key = Started("t1");
        Assert.Equal([], Handle(new ProcessExited(key with { RunId = "older" }, 0)));
        Assert.Equal(TaskState.Running, core.Runs().Single().State);
    }

    [Fact]
    public void Recovery_WatchesLiveRuns_CompletesFinishedOnes_AndReregistersWithWhatIsLeft()
    {
        var info = new AgentInfo(A, "h1", "h1:0", "cpus:4;mem:1024", new Dictionary<string, string>());
        StatusUpdate Update(string task, TaskState state, int uuid) => new(F, new TaskId(task), state, new Guid(uuid, 0, 0, new byte[8]), "", "", 0);
        RecoveredRun Run(string task, TaskProcess? pid, bool killed, params UpdateLogRecord[] records) =>
            new(new TaskCheckpoint(Spec(task), "run-" + task, 0), records, pid, killed);
        var recovered = new Recovered(info, [
            Run("live", null, false, new UpdateLogRecord(Update("live", TaskState.Running, 1), null, P.ToString())),
            Run("done", null, false, new UpdateLogRecord(Update("done", TaskState.Finished, 2), null), new UpdateLogRecord(null, new Guid(2, 0, 0, new byte[8]))),
            Run("ended", null, false, new UpdateLogRecord(Update("ended", TaskState.Running, 3), null), new UpdateLogRecord(Update("ended", TaskState.Failed, 4), null)),
            Run("killing", new TaskProcess(7, 1), true),
        ]);
        // The kill under way when the agent stopped starts again: its SIGKILL died with the agent.
        Assert.Equal(["watch live 4242", "completed done", "watch killing 7", "signal 7 15", "escalate 7 after 3s", "note Recovered"],
            Handle(recovered));
        var registration = Assert.IsType<ReregisterAgent>(core.Registration());
        Assert.Equal(["ended:Failed/Running", "killing:Staging/", "live:Running/Running"],
            registration.Tasks.Select(t => $"{t.Task}:{t.State}/{t.Unacknowledged}"));
        Assert.Equal(["release killing", "append killing Killed durable"], Handle(new ProcessExited(Key("killing"), null)));
        Assert.Equal([], Handle(new LinkRegistered(A)).Where(e => e.StartsWith("save-info", StringComparison.Ordinal)));
    }

    [Fact]
    public void EveryFirstRegistrationAttempt_CarriesOneToken_UntilAMasterNamesTheAgent()
    {
        var first = Assert.IsType<RegisterAgent>(core.Registration());
        var retried = Assert.IsType<RegisterAgent>(core.Registration());
        Assert.NotNull(first.Token);
        Assert.Equal(first.Token, retried.Token); // a retry names the same agent to the master
        Assert.Equal(64, first.Token!.Length);
        Handle(new LinkRegistered(A));
        Assert.Equal(A, Assert.IsType<ReregisterAgent>(core.Registration()).Info.Id);
    }

    [Fact]
    public void AShutdown_KillsEveryLiveTask_AndEndsWhenTheirEndsAreRecorded_OrAtTheDeadline()
    {
        Handle(new LinkRegistered(A));
        var one = Started("t1");
        Started("t2");
        Assert.Equal(["note ShutdownAsked", "mark-killed t1", "signal 4242 15", "escalate 4242 after 3s", "mark-killed t2", "signal 4242 15",
            "escalate 4242 after 3s", "shutdown-deadline 5s"], Handle(new FromMaster(new ShutdownAgent("gone"))));
        Assert.Equal(["release t1", "append t1 Killed durable"], Handle(new ProcessExited(one, null))); // behind its unacknowledged Running
        Assert.Equal(["shut-down"], Handle(new ShutdownDeadlinePassed()));
        Assert.Equal([], Handle(new ShutdownDeadlinePassed()));
    }

    [Fact]
    public void AShutdownWithNothingRunning_EndsAtOnce()
    {
        Handle(new LinkRegistered(A));
        Assert.Equal(["note ShutdownAsked", "shutdown-deadline 5s", "shut-down"], Handle(new FromMaster(new ShutdownAgent("gone"))));
    }

    [Fact]
    public void AKillBeforeTheProcessStarted_KeepsItsGracePeriod()
    {
        Handle(new LinkRegistered(A));
        Handle(new FromMaster(Spec("t1")));
        Handle(new FromMaster(new KillTask(F, new TaskId("t1"), 9000)));
        Assert.Contains("escalate 4242 after 9s", Handle(new ProcessStarted(Key("t1"), P, false)));
    }

    [Fact]
    public void AnUpdateTheLinkCouldNotTake_GoesAgainOnTheNextPass_NotAfterTheBackoff()
    {
        Handle(new LinkRegistered(A));
        var effects = core.Handle(new FromMaster(Spec("t1")), T0);
        var sent = core.Handle(new ProcessStarted(Key("t1"), P, false), T0).OfType<SendToMaster>().Single();
        Assert.Equal([], Handle(new NotSent(sent.Message), 0.1));
        Assert.Equal(["send t1 Starting"], Handle(new UpdatesDue(), 0.2));
    }

    [Fact]
    public void AFailedCheckpoint_StopsTheRunner_ItDoesNotCarryOn()
    {
        var disk = new FailingDisk();
        var runner = new Shell.AgentRunner(core, disk, new NoLauncher(), new NoEdges());
        runner.Handle(new LinkRegistered(A), T0);
        disk.Failing = true;
        var error = Assert.Throws<Shell.CheckpointFailedException>(() => runner.Handle(new FromMaster(Spec("t1")), T0));
        Assert.Contains("CreateRun", error.Message);
        Assert.Contains("No space left", error.Message);
    }

    private sealed class FailingDisk : Shell.IAgentDisk
    {
        public bool Failing { get; set; }
        public Recovered Recover() => new(null, []);
        public void SaveAgentInfo(AgentInfo info) => Fail();
        public void CreateRun(AgentId agent, RunKey run, TaskCheckpoint checkpoint) => Fail();
        public void Append(RunKey run, UpdateLogRecord record, bool durable) => Fail();
        public void MarkKilled(RunKey run) => Fail();
        public void MarkCompleted(RunKey run) => Fail();
        public void ForgetAgent() => Fail();
        private void Fail()
        {
            if (Failing) throw new IOException("No space left on device");
        }
    }

    /// <summary>Processes that fail to launch, or (<paramref name="starts"/>) start at once as <see cref="P"/>.</summary>
    private sealed class NoLauncher(bool starts = false) : Shell.ITaskLauncher
    {
        public AgentInput Start(AgentId agent, RunKey run, RunTask task, Resources resources) =>
            starts ? new ProcessStarted(run, P, InCgroup: false) : new LaunchFailed(run, "not here");
        public AgentInput? Watch(AgentId agent, RunKey run, TaskProcess? process) => null;
        public void Signal(TaskProcess process, int signal) { }
        public void EscalateKill(TaskProcess process, TimeSpan after) { }
        public void Release(RunKey run, TaskProcess? process) { }
    }

    private sealed class NoEdges : Shell.IAgentEdges
    {
        public bool Send(AgentMessage message) => true;
        public void Note(Noted note) { }
        public void ShutdownStarted(TimeSpan deadline) { }
        public void ShutDown() { }
    }
}
