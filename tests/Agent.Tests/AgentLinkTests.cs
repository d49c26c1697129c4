using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Resources;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Mesos.HA.Agent.Tests;

/// <summary>The agent against a scripted master: stale terms, bad frames and unknown ids change nothing.</summary>
public sealed class AgentLinkTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string workDir = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "link-" + Guid.NewGuid().ToString("N"));
    private readonly ListLoggerProvider logs = new();
    private FakeMaster master = null!;
    private AgentService agent = null!;
    private ILoggerFactory loggers = null!;

    public async Task InitializeAsync()
    {
        master = await FakeMaster.StartAsync();
        loggers = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
        agent = new AgentService(new AgentOptions
        {
            Masters = [master.Address], WorkDirectory = workDir, Resources = ResourceText.Parse("cpus:1;mem:64"),
            Hostname = "127.0.0.1", HttpPort = 1, UseCgroups = false, ReconnectFirstDelay = TimeSpan.FromMilliseconds(10),
        }, loggers, TimeProvider.System);
        await agent.StartAsync();
    }

    private async Task<FakeConnection> RegisterAsync(long term)
    {
        var connection = await master.NextConnectionAsync(Wait);
        var first = Assert.IsType<FrameRead.Ok>(await connection.NextAsync(Wait));
        Assert.True(first.Frame.Message is RegisterAgent or ReregisterAgent, $"got {first.Frame.Message}");
        await connection.SendAsync(term, new AgentRegistered(new AgentId("a1")));
        await Poll.UntilAsync("the agent registers", () => agent.Registered, Wait, interval: TimeSpan.FromMilliseconds(10));
        return connection;
    }

    [Fact]
    public async Task StaleTermMessages_AreIgnored_MalformedFramesAnsweredWithAnError_UnknownIdsLogged()
    {
        var connection = await RegisterAsync(term: 5);
        await connection.SendAsync(3, new RunTask(new FrameworkId("f"), new TaskId("stale"), "n", "*", "cpus:0.1", "true"));
        await connection.Stream.WriteAsync(new byte[] { 0, 0, 0, 1, 0xc1 });
        var error = Assert.IsType<FrameRead.Ok>(await connection.NextAsync(Wait));
        Assert.IsType<ProtocolError>(error.Frame.Message);
        await connection.SendAsync(5, new Protocol.Agent.KillTask(new FrameworkId("f"), new TaskId("ghost"), 0));
        await connection.SendAsync(5, new AcknowledgeUpdate(new FrameworkId("f"), new TaskId("ghost"), Guid.NewGuid()));
        // A fresh message of the current term still works: the agent is alive and registered.
        await connection.SendAsync(5, new RunTask(new FrameworkId("f"), new TaskId("fresh"), "n", "*", "cpus:0.1", "true"));
        var update = Assert.IsType<StatusUpdate>(Assert.IsType<FrameRead.Ok>(await connection.NextAsync(Wait)).Frame.Message);
        Assert.Equal(new TaskId("fresh"), update.Task);
        Assert.DoesNotContain(agent.Tasks(), t => t.Task.Value == "stale");
        Assert.True(agent.Registered);
        var lines = string.Join("\n", logs.Lines);
        Assert.Contains("Ignoring RunTask from a master of term 3", lines);
        Assert.Contains("Rejected a malformed frame", lines);
        Assert.Contains("Ignoring a kill of task ghost", lines);
        Assert.Contains("Ignoring acknowledgement", lines);
    }

    [Fact]
    public async Task OversizedFrame_DropsTheConnection_AndTheAgentRegistersAgain()
    {
        var connection = await RegisterAsync(term: 1);
        var header = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, int.MaxValue);
        await connection.Stream.WriteAsync(header);
        connection.Done.TrySetResult();
        var again = await master.NextConnectionAsync(Wait);
        var registration = Assert.IsType<FrameRead.Ok>(await again.NextAsync(Wait));
        var reregister = Assert.IsType<ReregisterAgent>(registration.Frame.Message); // it has an id now
        Assert.Equal(new AgentId("a1"), reregister.Info.Id);
        Assert.Contains(logs.Lines, l => l.Contains("frame (limit"));
    }

    [Fact]
    public async Task FinishedRuns_AreGarbageCollectedByAge_RunningOnesAreKept()
    {
        var connection = await RegisterAsync(term: 1);
        await connection.SendAsync(1, new RunTask(new FrameworkId("f"), new TaskId("quick"), "n", "*", "cpus:0.1", "true"));
        await connection.SendAsync(1, new RunTask(new FrameworkId("f"), new TaskId("slow"), "n", "*", "cpus:0.1", "sleep 60"));
        var pending = new Dictionary<string, List<StatusUpdate>>();
        var deadline = DateTime.UtcNow + Wait;
        // Acknowledge every update of "quick" until its run is complete; "slow" stays running.
        while (!pending.TryGetValue("quick", out var q) || q.All(u => u.State != TaskState.Finished))
        {
            Assert.True(DateTime.UtcNow < deadline, "quick did not finish");
            var update = Assert.IsType<StatusUpdate>(Assert.IsType<FrameRead.Ok>(await connection.NextAsync(Wait)).Frame.Message);
            (pending.TryGetValue(update.Task.Value, out var list) ? list : pending[update.Task.Value] = []).Add(update);
            if (update.Task.Value == "quick") await connection.SendAsync(1, new AcknowledgeUpdate(update.Framework, update.Task, update.Uuid));
        }
        while (agent.Tasks().Any(t => t.Task.Value == "quick"))
        {
            Assert.True(DateTime.UtcNow < deadline, "quick's run did not complete");
            await Task.Delay(10);
        }
        var sandboxes = Path.Combine(workDir, "agents", "a1", "frameworks", "f", "executors");
        Assert.True(Directory.Exists(Path.Combine(sandboxes, "quick")));

        Assert.Equal(0, agent.CollectGarbage(DateTimeOffset.UtcNow)); // too young
        Assert.Equal(1, agent.CollectGarbage(DateTimeOffset.UtcNow + TimeSpan.FromDays(30)));
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(sandboxes, "quick", "runs")));
        Assert.Single(Directory.EnumerateDirectories(Path.Combine(sandboxes, "slow", "runs")));
        Assert.Contains(agent.Tasks(), t => t.Task.Value == "slow" && t.State == TaskState.Running);
        await connection.SendAsync(1, new Protocol.Agent.KillTask(new FrameworkId("f"), new TaskId("slow"), 0));
        while (agent.Tasks().Any(t => t.Task.Value == "slow" && t.State == TaskState.Running))
        {
            Assert.True(DateTime.UtcNow < deadline, "slow was not killed");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Shutdown_KillsTheTasks_AndStopsTheAgent()
    {
        var connection = await RegisterAsync(term: 2);
        await connection.SendAsync(2, new RunTask(new FrameworkId("f"), new TaskId("doomed"), "n", "*", "cpus:0.1", "sleep 60"));
        var starting = Assert.IsType<StatusUpdate>(Assert.IsType<FrameRead.Ok>(await connection.NextAsync(Wait)).Frame.Message);
        Assert.Equal(TaskState.Starting, starting.State); // the command executor's first update
        await connection.SendAsync(2, new ShutdownAgent("declared gone by the operator"));
        await agent.Completion.WaitAsync(Wait);
        Assert.Contains(agent.Tasks(), t => t.Task.Value == "doomed" && t.State == TaskState.Killed);
        Assert.Contains(logs.Lines, l => l.Contains("declared gone by the operator"));
    }

    public async Task DisposeAsync()
    {
        await agent.DisposeAsync();
        await master.DisposeAsync();
        loggers.Dispose();
        try { Directory.Delete(workDir, recursive: true); } catch (IOException) { }
    }
}
