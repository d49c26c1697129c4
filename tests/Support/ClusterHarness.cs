using Mesos.HA.Cli;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;
using Xunit.Abstractions;

namespace Mesos.HA.Tests.Support;

/// <summary>
/// Real master processes plus real agent processes on loopback for one test. Disposing kills the
/// agents, their tasks' process groups and the masters, writes the tails of every log to the test
/// output, and deletes the data unless MESOS_HA_KEEP_TEST_DATA=1.
/// </summary>
public sealed class ClusterHarness : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly ITestOutputHelper output;
    private readonly List<AgentProcess> agents = new();
    private readonly List<TestFramework> frameworks = new();
    private readonly string level;

    /// <summary>A harness around masters the caller built (own addresses, network namespaces); it starts them.</summary>
    public ClusterHarness(MasterGroup group, ITestOutputHelper output)
    {
        this.output = output;
        level = Environment.GetEnvironmentVariable("MESOS_HA_TEST_LOG_LEVEL") ?? "Information";
        Group = group;
        Group.StartAll();
    }

    public ClusterHarness(int masters, ITestOutputHelper output, params string[] masterArgs)
    {
        this.output = output;
        var root = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "cluster-" + Guid.NewGuid().ToString("N")[..12]);
        level = Environment.GetEnvironmentVariable("MESOS_HA_TEST_LOG_LEVEL") ?? "Information";
        Group = new MasterGroup(masters, root, ["--log-level", level, .. masterArgs]);
        Group.StartAll();
    }

    public MasterGroup Group { get; }
    public IReadOnlyList<string> MasterAddresses => [.. Group.Masters.Select(m => m.HttpAddress)];

    public Task<MasterProcess> LeaderAsync() => Group.WaitForLeaderAsync(Deadline);

    /// <summary>Starts an agent (all masters configured) and waits until a leader registered it.</summary>
    public async Task<AgentProcess> StartAgentAsync(string resources = "cpus:4;mem:1024;disk:1024;ports:[31000-31099]", params string[] extra)
    {
        var name = $"agent-{agents.Count + 1}";
        var agent = new AgentProcess(name, EndPoints.FreePort(), Path.Combine(Group.Root, name), Path.Combine(Group.Root, name + ".log"),
            MasterAddresses, ["--resources", resources, "--log-level", level, .. extra.Contains("--kill-grace-ms") ? [] : new[] { "--kill-grace-ms", "1000" }, .. extra],
            Group.Security);
        agents.Add(agent);
        agent.Start();
        await WaitForRegistrationAsync(agent, "agent start");
        return agent;
    }

    public async Task WaitForRegistrationAsync(AgentProcess agent, string phase)
    {
        Mesos.HA.Agent.AgentHealthDto? health = null;
        await Poll.UntilAsync($"{phase}: {agent.Name} registers", async () => (health = await agent.TryHealthAsync()) is { Registered: true },
            Deadline, () => $"health: {health}");
    }

    public async Task<TestFramework> StartFrameworkAsync(string? user = null)
    {
        var framework = new TestFramework(MasterAddresses) { User = user ?? Environment.UserName };
        frameworks.Add(framework);
        await framework.StartAsync(Deadline);
        return framework;
    }

    /// <summary>The sandbox of the task's latest run on the agent.</summary>
    public static string SandboxOf(AgentProcess agent, string taskId)
    {
        var runs = Directory.EnumerateDirectories(Path.Combine(agent.WorkDirectory, "agents"), "runs", SearchOption.AllDirectories)
            .Where(r => Path.GetFileName(Path.GetDirectoryName(r)) == taskId)
            .SelectMany(Directory.EnumerateDirectories).OrderBy(Directory.GetCreationTimeUtc).ToArray();
        return runs.Length > 0 ? runs[^1] : throw new InvalidOperationException($"no sandbox for task {taskId} under {agent.WorkDirectory}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var f in frameworks) await f.DisposeAsync();
        foreach (var a in agents) a.Dispose();
        Group.Dispose();
        foreach (var file in Group.Masters.Select(m => m.LogFile).Concat(agents.Select(a => a.LogFile)))
        {
            if (!File.Exists(file)) continue;
            var lines = File.ReadAllLines(file);
            output.WriteLine($"--- {Path.GetFileName(file)} ({lines.Length} lines, last 40)");
            foreach (var line in lines.TakeLast(40)) output.WriteLine(line.Length > 400 ? line[..400] + " ..." : line);
        }
        if (Environment.GetEnvironmentVariable("MESOS_HA_KEEP_TEST_DATA") == "1") { output.WriteLine($"kept {Group.Root}"); return; }
        try { Directory.Delete(Group.Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
