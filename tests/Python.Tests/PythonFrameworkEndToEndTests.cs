using System.Text.RegularExpressions;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Python.Tests;

/// <summary>samples/python/test_framework.py on the Python client against three real masters and two real agents.</summary>
public sealed partial class PythonFrameworkEndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = ClusterHarness.Deadline;
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(90);

    private static async Task<ClusterHarness> ClusterAsync(ITestOutputHelper output)
    {
        var cluster = new ClusterHarness(3, output);
        await cluster.LeaderAsync();
        await cluster.StartAgentAsync();
        await cluster.StartAgentAsync();
        return cluster;
    }

    private static OutputProcess StartExample(ClusterHarness cluster, int tasks) =>
        PythonProcess.Start(Repository.PythonExample, string.Join(",", cluster.MasterAddresses), "--tasks", tasks.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [PythonFact]
    public async Task ExampleFramework_RunsItsTasksToFinished_AndExitsZero()
    {
        await using var cluster = await ClusterAsync(output);
        using var python = StartExample(cluster, 4);
        try
        {
            var exit = await python.WaitForExitAsync("the example runs 4 tasks", RunTimeout);
            Assert.Equal(0, exit);
            Assert.Contains("All tasks done", python.Lines);
            Assert.Equal(4, FinishedTasks(python).Count);
            Assert.Single(python.Lines, line => line.StartsWith("Registered with framework ID ", StringComparison.Ordinal));
        }
        finally
        {
            output.WriteLine(python.Output);
        }
    }

    [PythonFact]
    public async Task ExampleFramework_KeepsItsFrameworkId_AcrossALeaderKill_AndFinishesEveryTask()
    {
        const int tasks = 8;
        await using var cluster = await ClusterAsync(output);
        using var python = StartExample(cluster, tasks);
        try
        {
            string? id = null;
            await Poll.UntilAsync("before the kill: registered and one task finished",
                () => (id = RegisteredId(python)) is not null && FinishedTasks(python).Count >= 1 || python.HasExited,
                Wait, () => $"python exited: {python.HasExited}; last lines: {string.Join(" | ", python.Lines.TakeLast(5))}");
            Assert.False(python.HasExited, "the example exited before the leader was killed");
            Assert.NotNull(id);

            var leader = await cluster.LeaderAsync();
            output.WriteLine($"killing the leader {leader.HttpAddress} after {FinishedTasks(python).Count} finished tasks");
            leader.Kill();
            var next = await cluster.Group.WaitForLeaderOtherThanAsync(leader, Wait);
            output.WriteLine($"new leader {next.HttpAddress}");

            var exit = await python.WaitForExitAsync("after the leader kill: the example finishes its tasks", RunTimeout);
            Assert.Equal(0, exit);
            Assert.Contains("All tasks done", python.Lines);
            Assert.Equal(tasks, FinishedTasks(python).Count);
            var reregistered = python.Lines.Where(line => line.StartsWith("Re-registered with master ", StringComparison.Ordinal)).ToArray();
            Assert.NotEmpty(reregistered);
            Assert.All(reregistered, line => Assert.EndsWith($" as framework ID {id}", line, StringComparison.Ordinal));
            Assert.Single(python.Lines, line => line.StartsWith("Registered with framework ID ", StringComparison.Ordinal));
        }
        finally
        {
            output.WriteLine(python.Output);
        }
    }

    [PythonFact]
    public async Task ExampleFramework_OverTlsWithItsCredential_RunsItsTasks_OnASecureCluster()
    {
        var root = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "python-secure-" + Guid.NewGuid().ToString("N")[..12]);
        using var security = LocalSecurity.Create(root, DateTimeOffset.UtcNow);
        await using var cluster = new ClusterHarness(new MasterGroup(3, root, ["--log-level", "Information"], security), output);
        await cluster.LeaderAsync();
        await cluster.StartAgentAsync();
        var environment = new Dictionary<string, string>
        {
            ["LIBPROCESS_SSL_CA_FILE"] = security.Certificates.AuthorityFile,
            ["MESOS_AUTHENTICATE"] = "1",
            ["DEFAULT_PRINCIPAL"] = security.Framework.Principal,
            ["DEFAULT_SECRET"] = security.Framework.Secret,
        };
        var masters = string.Join(",", cluster.MasterAddresses.Select(m => "https://" + m));
        using var python = PythonProcess.Start(environment, Repository.PythonExample, masters, "--tasks", "2");
        try
        {
            var exit = await python.WaitForExitAsync("the example runs 2 tasks over TLS", RunTimeout);
            Assert.Equal(0, exit);
            Assert.Contains("All tasks done", python.Lines);
            Assert.Equal(2, FinishedTasks(python).Count);
            Assert.DoesNotContain(python.Lines, line => line.Contains(security.Framework.Secret, StringComparison.Ordinal));
        }
        finally
        {
            output.WriteLine(python.Output);
        }
    }

    private static string? RegisteredId(OutputProcess python) =>
        python.Lines.Select(line => RegisteredLine().Match(line)).FirstOrDefault(m => m.Success)?.Groups[1].Value;

    private static HashSet<string> FinishedTasks(OutputProcess python) =>
        [.. python.Lines.Select(line => FinishedLine().Match(line)).Where(m => m.Success).Select(m => m.Groups[1].Value)];

    [GeneratedRegex("^Registered with framework ID (\\S+)$")]
    private static partial Regex RegisteredLine();

    [GeneratedRegex("^Task (\\S+) is in state TASK_FINISHED$")]
    private static partial Regex FinishedLine();
}
