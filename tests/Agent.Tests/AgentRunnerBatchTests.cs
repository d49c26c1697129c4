using Mesos.HA.Agent.Core;
using Mesos.HA.Agent.Shell;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Agent.Updates;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Xunit;

namespace Mesos.HA.Agent.Tests;

/// <summary>
/// <see cref="AgentRunner.HandleBatch"/> against recording seams: a batch's checkpoints are committed once,
/// before any process starts or any update is sent, and each task's updates still go out in order.
/// </summary>
public sealed class AgentRunnerBatchTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 5, 0, 0, TimeSpan.Zero);
    private static readonly FrameworkId F = new("f1");

    private readonly List<string> transcript = [];
    private readonly List<StatusUpdate> sent = [];
    private readonly AgentRunner runner;
    private int ids;

    public AgentRunnerBatchTests()
    {
        var core = new AgentCore(new AgentOptions
        {
            Masters = ["m:1"], WorkDirectory = "/unused", Resources = ResourceText.Parse("cpus:8;mem:1024"), Hostname = "h1",
        }, () => new Guid(++ids, 0, 0, new byte[8]));
        runner = new AgentRunner(core, new RecordingDisk(transcript), new RecordingLauncher(transcript), new RecordingEdges(transcript, sent));
        runner.Handle(new LinkRegistered(new AgentId("a1")), T0);
        transcript.Clear();
    }

    private static FromMaster Launch(string task) => new(new RunTask(F, new TaskId(task), task, "*", "cpus:1;mem:32", "true"));

    [Fact]
    public void ThreeLaunchesInOneBatch_OneCommitBeforeAnyStart_ThenOneBeforeAnyUpdateIsSent()
    {
        runner.HandleBatch([Launch("t1"), Launch("t2"), Launch("t3")], T0);

        Assert.Equal(
        [
            "create t1", "create t2", "create t3", "commit",
            "start t1", "start t2", "start t3",
            // The answers are the next round: their STARTING and RUNNING records, one commit, then the sends.
            "append t1 TASK_STARTING", "append t1 TASK_RUNNING", "append t2 TASK_STARTING", "append t2 TASK_RUNNING",
            "append t3 TASK_STARTING", "append t3 TASK_RUNNING", "commit",
            "send t1 TASK_STARTING", "send t2 TASK_STARTING", "send t3 TASK_STARTING",
        ], transcript);
    }

    [Fact]
    public void AcknowledgementsAndExitsInOneBatch_EachTaskSendsItsNextUpdateOnlyAfterTheCommit_InItsOwnOrder()
    {
        runner.HandleBatch([Launch("t1"), Launch("t2")], T0);
        var startingUuids = sent.ToDictionary(u => u.Task.Value, u => u.Uuid);
        transcript.Clear();

        // t1's process ends in the same batch as both acknowledgements of TASK_STARTING.
        runner.HandleBatch(
        [
            new ProcessExited(RunOf("t1"), 0),
            new FromMaster(new AcknowledgeUpdate(F, new TaskId("t1"), startingUuids["t1"])),
            new FromMaster(new AcknowledgeUpdate(F, new TaskId("t2"), startingUuids["t2"])),
        ], T0); // before any resend of TASK_STARTING is due

        Assert.Equal(
        [
            "append t1 TASK_FINISHED", "append t1 ack", "append t2 ack", "commit",
            "release t1", "send t1 TASK_RUNNING", "send t2 TASK_RUNNING",
        ], transcript);
    }

    private RunKey RunOf(string task) => runner.Core.Runs().Single(r => r.Key.Task.Value == task).Key;

    private sealed class RecordingDisk(List<string> transcript) : IAgentDisk
    {
        public Recovered Recover() => new(null, []);
        public void SaveAgentInfo(AgentInfo info) => transcript.Add("save-info");
        public void CreateRun(AgentId agent, RunKey run, TaskCheckpoint checkpoint) => transcript.Add($"create {run.Task}");
        public void Append(RunKey run, UpdateLogRecord record, bool durable) =>
            transcript.Add(record.Update is { } u ? $"append {run.Task} {u.State.MesosName()}" : $"append {run.Task} ack");
        public void MarkKilled(RunKey run) => transcript.Add($"mark-killed {run.Task}");
        public void MarkCompleted(RunKey run) => transcript.Add($"completed {run.Task}");
        public void ForgetAgent() => transcript.Add("forget");
        public void Commit() => transcript.Add("commit");
    }

    private sealed class RecordingLauncher(List<string> transcript) : ITaskLauncher
    {
        private int pid = 100;

        public AgentInput? Start(AgentId agent, RunKey run, RunTask task, Resources resources)
        {
            transcript.Add($"start {run.Task}");
            return new ProcessStarted(run, new TaskProcess(++pid, 1), InCgroup: false);
        }

        public AgentInput? Watch(AgentId agent, RunKey run, TaskProcess? process) => null;
        public void Signal(TaskProcess process, int signal) => transcript.Add($"signal {process.Pid}");
        public void EscalateKill(TaskProcess process, TimeSpan after) { }
        public void Release(RunKey run, TaskProcess? process) => transcript.Add($"release {run.Task}");
    }

    private sealed class RecordingEdges(List<string> transcript, List<StatusUpdate> sent) : IAgentEdges
    {
        public bool Send(AgentMessage message)
        {
            if (message is not StatusUpdate u) return true;
            transcript.Add($"send {u.Task} {u.State.MesosName()}");
            sent.Add(u);
            return true;
        }

        public void Note(Noted note) => transcript.Add($"note {note.Note}");
        public void ShutdownStarted(TimeSpan deadline) { }
        public void ShutDown() { }
    }
}
