using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Resources;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Mesos.HA.Agent.Tests;

/// <summary>
/// A real agent given many launches at once (one write of many RunTask frames, so they queue and are
/// decided and committed together): every task's updates go out in order, and an agent restarted right
/// after recovers every one of them.
/// </summary>
public sealed class ConcurrentLaunchTests : IAsyncLifetime
{
    private const int Tasks = 24;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private static readonly FrameworkId F = new("f");
    private readonly string workDir = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "concurrent-" + Guid.NewGuid().ToString("N"));
    private readonly ILoggerFactory loggers = LoggerFactory.Create(b => b.AddProvider(new ListLoggerProvider()));
    private FakeMaster master = null!;
    private AgentService? agent;

    public async Task InitializeAsync() => master = await FakeMaster.StartAsync();

    private async Task<AgentService> StartAgentAsync()
    {
        var started = new AgentService(new AgentOptions
        {
            Masters = [master.Address], WorkDirectory = workDir, Resources = ResourceText.Parse($"cpus:{Tasks};mem:1024"),
            Hostname = "127.0.0.1", HttpPort = 1, UseCgroups = false, ReconnectFirstDelay = TimeSpan.FromMilliseconds(10),
        }, loggers, TimeProvider.System);
        await started.StartAsync();
        return started;
    }

    /// <summary>The agent's registration (first frame of its next connection), answered with id a1 in <paramref name="term"/>.</summary>
    private async Task<(FakeConnection Connection, AgentMessage Registration)> RegisterAsync(long term)
    {
        var connection = await master.NextConnectionAsync(Wait);
        var first = Assert.IsType<FrameRead.Ok>(await connection.NextAsync(Wait)).Frame.Message;
        await connection.SendAsync(term, new AgentRegistered(new AgentId("a1")));
        await Poll.UntilAsync("the agent registers", () => agent!.Registered, Wait, interval: TimeSpan.FromMilliseconds(10));
        return (connection, first);
    }

    private static async Task LaunchAllAsync(FakeConnection connection, long term, string command)
    {
        var frames = Enumerable.Range(0, Tasks)
            .SelectMany(i => FrameCodec.Encode(term, new RunTask(F, new TaskId($"t{i}"), "n", "*", "cpus:1;mem:32", command)).ToArray())
            .ToArray();
        await connection.Stream.WriteAsync(frames); // all at once: they queue behind each other in the agent's inbox
    }

    private static async Task<StatusUpdate> NextUpdateAsync(FakeConnection connection) =>
        Assert.IsType<StatusUpdate>(Assert.IsType<FrameRead.Ok>(await connection.NextAsync(Wait)).Frame.Message);

    [Fact]
    public async Task ManyLaunchesAtOnce_EachTaskReportsStartingRunningFinished_InThatOrder()
    {
        agent = await StartAgentAsync();
        var (connection, _) = await RegisterAsync(term: 1);
        await LaunchAllAsync(connection, 1, "true");

        var states = new Dictionary<string, List<TaskState>>();
        var deadline = DateTime.UtcNow + Wait;
        while (states.Count < Tasks || states.Values.Any(s => !s.Contains(TaskState.Finished)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"not every task finished: {Describe(states)}");
            var update = await NextUpdateAsync(connection);
            var seen = states.TryGetValue(update.Task.Value, out var list) ? list : states[update.Task.Value] = [];
            if (seen.Count == 0 || seen[^1] != update.State) seen.Add(update.State); // a resend repeats the last
            await connection.SendAsync(1, new AcknowledgeUpdate(update.Framework, update.Task, update.Uuid));
        }
        foreach (var (task, seen) in states)
            Assert.True(seen.SequenceEqual([TaskState.Starting, TaskState.Running, TaskState.Finished]), $"{task}: {string.Join(", ", seen)}");
    }

    [Fact]
    public async Task ManyLaunchesAtOnce_AgentRestartedRightAfter_RecoversEveryTask_AndResendsItsUpdatesInOrder()
    {
        agent = await StartAgentAsync();
        var (connection, _) = await RegisterAsync(term: 1);
        await LaunchAllAsync(connection, 1, "sleep 30");
        // Each task's first update, unacknowledged: the head of its stream, sent once its run is on disk.
        var starting = new Dictionary<string, StatusUpdate>();
        while (starting.Count < Tasks)
        {
            var update = await NextUpdateAsync(connection);
            Assert.Equal(TaskState.Starting, update.State);
            starting[update.Task.Value] = update;
        }

        await agent.DisposeAsync(); // the tasks keep running
        connection.Done.TrySetResult();
        agent = await StartAgentAsync();
        var (again, registration) = await RegisterAsync(term: 2);

        var reregister = Assert.IsType<ReregisterAgent>(registration);
        Assert.Equal(Tasks, reregister.Tasks.Count);
        Assert.All(reregister.Tasks, t => Assert.Equal(TaskState.Running, t.State));
        // Every stream resumes at its head: TASK_STARTING again (the same update), then TASK_RUNNING once acknowledged.
        var running = new HashSet<string>();
        var deadline = DateTime.UtcNow + Wait;
        while (running.Count < Tasks)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{running.Count} of {Tasks} tasks resent TASK_RUNNING");
            var update = await NextUpdateAsync(again);
            if (update.State == TaskState.Starting)
            {
                Assert.Equal(starting[update.Task.Value].Uuid, update.Uuid);
                Assert.DoesNotContain(update.Task.Value, running);
            }
            else
            {
                Assert.Equal(TaskState.Running, update.State);
                running.Add(update.Task.Value);
            }
            await again.SendAsync(2, new AcknowledgeUpdate(update.Framework, update.Task, update.Uuid));
        }

        foreach (var task in starting.Keys) await again.SendAsync(2, new KillTask(F, new TaskId(task), 0));
        await Poll.UntilAsync("every task is killed", () => agent.Tasks().All(t => t.State == TaskState.Killed), Wait,
            interval: TimeSpan.FromMilliseconds(20));
    }

    private static string Describe(Dictionary<string, List<TaskState>> states) =>
        $"{states.Count} tasks reported; unfinished: " + string.Join("; ", states.Where(s => !s.Value.Contains(TaskState.Finished))
            .Select(s => $"{s.Key} [{string.Join(", ", s.Value)}]"));

    public async Task DisposeAsync()
    {
        if (agent is not null) await agent.DisposeAsync();
        await master.DisposeAsync();
        loggers.Dispose();
        try { Directory.Delete(workDir, recursive: true); } catch (IOException) { }
    }
}
