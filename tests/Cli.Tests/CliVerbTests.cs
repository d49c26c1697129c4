using System.Text.Json.Nodes;
using Mesos.HA.Protocol;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Cli.Tests;

/// <summary>The operator verbs against a real cluster, and bad configuration refused in one line.</summary>
public sealed class CliVerbTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Run_ExitsWithTheCommandsStatus_AndTheVerbsShowTheCluster()
    {
        await using var cluster = new ClusterHarness(3, output);
        await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        var masters = string.Join(',', cluster.MasterAddresses);

        var failing = await CliRunner.RunAsync(Wait, "run", "--masters", masters, "--", "echo", "hi;", "exit", "7");
        Assert.Equal(7, failing.Exit);
        Assert.Contains("TASK_FAILED: Command exited with status 7", failing.Err);
        var ok = await CliRunner.RunAsync(Wait, "run", "--masters", masters, "--cpus", "0.2", "--", "true");
        Assert.True(ok.Exit == 0, $"exit {ok.Exit}: {ok.Err}");
        Assert.Contains("TASK_FINISHED", ok.Err);

        var framework = await cluster.StartFrameworkAsync();
        await framework.LaunchAsync("listed", "sleep 60", ClusterHarness.Deadline);
        await framework.WaitForStateAsync("listed", "TASK_RUNNING", ClusterHarness.Deadline, "launch");
        var agentId = (await agent.TryHealthAsync())!.Id!;

        var agents = await CliRunner.RunAsync(Wait, "agents", "--masters", masters);
        Assert.Equal(0, agents.Exit);
        Assert.Contains(agentId, agents.Out);
        Assert.StartsWith("ID", agents.Out);
        var tasks = await CliRunner.RunAsync(Wait, "tasks", "--masters", masters, "--json");
        var listed = JsonNode.Parse(tasks.Out)!.AsArray().Single(t => t!["id"]!.GetValue<string>() == "listed")!;
        Assert.Equal("TASK_RUNNING", listed["state"]!.GetValue<string>());
        var frameworks = await CliRunner.RunAsync(Wait, "frameworks", "--masters", masters);
        Assert.Contains(framework.FrameworkId!, frameworks.Out);
        var leader = await CliRunner.RunAsync(Wait, "leader", "--masters", masters, "--json");
        Assert.Equal((await cluster.LeaderAsync()).HttpAddress, JsonNode.Parse(leader.Out)!["leader"]!.GetValue<string>());
        var state = await CliRunner.RunAsync(Wait, "state", "--masters", cluster.MasterAddresses[^1]);
        Assert.Contains("1 agents active", state.Out);
    }

    [Fact]
    public async Task MastersVerbs_ListAddRemove_AndLeaderStepDown_HandsLeadershipOver()
    {
        await using var cluster = new ClusterHarness(3, output);
        await cluster.LeaderAsync();
        // Any master will do: followers redirect to the leader.
        var masters = string.Join(',', cluster.MasterAddresses.Reverse());

        var list = await CliRunner.RunAsync(Wait, "masters", "list", "--masters", masters);
        Assert.Equal(0, list.Exit);
        Assert.StartsWith("RAFT", list.Out);
        foreach (var m in cluster.Group.Masters) Assert.Contains(m.RaftAddress, list.Out);
        Assert.Contains("leader", list.Out);

        var fresh = cluster.Group.AddMaster();
        cluster.Group.Start(fresh);
        await Poll.UntilAsync("the joining master answers /health", async () => await fresh.TryStatusAsync() is { Standby: true }, Wait,
            interval: TimeSpan.FromMilliseconds(50));
        var added = await CliRunner.RunAsync(Wait, "masters", "add", fresh.RaftAddress, "--masters", masters, "--json");
        Assert.True(added.Exit == 0, added.Err);
        Assert.Equal(4, JsonNode.Parse(added.Out)!["members"]!.AsArray().Count);
        var twice = await CliRunner.RunAsync(Wait, "masters", "add", fresh.RaftAddress, "--masters", masters);
        Assert.Equal(1, twice.Exit);
        Assert.Contains("already a member (409)", twice.Err);
        var unknown = await CliRunner.RunAsync(Wait, "masters", "remove", "127.0.0.1:1", "--masters", masters);
        Assert.Equal(1, unknown.Exit);
        Assert.Contains("not a member (404)", unknown.Err);
        var garbage = await CliRunner.RunAsync(Wait, "masters", "add", "nonsense", "--masters", masters);
        Assert.Equal(2, garbage.Exit);
        var removed = await CliRunner.RunAsync(Wait, "masters", "remove", fresh.RaftAddress, "--masters", masters);
        Assert.True(removed.Exit == 0, removed.Err);
        Assert.DoesNotContain(fresh.RaftAddress, removed.Out.Split('\n').Skip(1).Aggregate("", string.Concat));
        fresh.Kill();

        // The leader now (a start-up election under load may have replaced the first one).
        var old = await cluster.LeaderAsync();
        var stepDown = await CliRunner.RunAsync(Wait, "leader", "step-down", "--masters", masters, "--json");
        Assert.True(stepDown.Exit == 0, stepDown.Err);
        var handOff = JsonNode.Parse(stepDown.Out)!;
        Assert.Equal(old.RaftAddress, handOff["resigned"]!.GetValue<string>());
        Assert.NotEqual(old.RaftAddress, handOff["leader_raft"]!.GetValue<string>());
        output.WriteLine($"step-down hand-off seen by the CLI: {handOff["ms"]} ms");
    }

    [Fact]
    public async Task MaintenanceVerbs_ScheduleFromAFile_Status_DownAndUp_ThroughAFollower()
    {
        await using var cluster = new ClusterHarness(3, output);
        var leader = await cluster.LeaderAsync();
        var masters = string.Join(',', cluster.MasterAddresses.Where(m => m != leader.HttpAddress).Append(leader.HttpAddress));
        var file = Path.Combine(cluster.Group.Root, "schedule.json");
        await File.WriteAllTextAsync(file, """
            {"windows":[{"machine_ids":[{"hostname":"Rack1-Node7"},{"hostname":"node8","ip":"10.0.0.8"}],
                         "unavailability":{"start":{"nanoseconds":1798761600000000000},"duration":{"nanoseconds":7200000000000}}}]}
            """);

        var scheduled = await CliRunner.RunAsync(Wait, "maintenance", "schedule", "--file", file, "--masters", masters);
        Assert.True(scheduled.Exit == 0, scheduled.Err);
        Assert.Equal(["START                          DURATION      MACHINES", "2027-01-01 00:00:00 UTC        2hrs          rack1-node7 node8=10.0.0.8"],
            scheduled.Out.TrimEnd().Split('\n'));
        var asJson = await CliRunner.RunAsync(Wait, "maintenance", "schedule", "--json", "--masters", masters);
        Assert.Equal(7_200_000_000_000, JsonNode.Parse(asJson.Out)!["windows"]![0]!["unavailability"]!["duration"]!["nanoseconds"]!.GetValue<long>());

        var refused = await CliRunner.RunAsync(Wait, "maintenance", "up", "rack1-node7", "--masters", masters);
        Assert.Equal(1, refused.Exit);
        Assert.Contains("machine rack1-node7 is not DOWN (400)", refused.Err);
        var down = await CliRunner.RunAsync(Wait, "maintenance", "down", "rack1-node7", "--masters", masters);
        Assert.True(down.Exit == 0, down.Err);
        var status = await CliRunner.RunAsync(Wait, "maintenance", "status", "--masters", masters);
        Assert.Equal(["MACHINE         MODE      FRAMEWORKS", "node8=10.0.0.8  DRAINING", "rack1-node7     DOWN"], status.Out.TrimEnd().Split('\n'));
        var up = await CliRunner.RunAsync(Wait, "maintenance", "up", "rack1-node7", "--masters", masters);
        Assert.True(up.Exit == 0, up.Err);
        var after = await CliRunner.RunAsync(Wait, "maintenance", "status", "--json", "--masters", masters);
        Assert.Empty(JsonNode.Parse(after.Out)!["down_machines"]!.AsArray());
        Assert.Equal("node8", JsonNode.Parse(after.Out)!["draining_machines"]![0]!["id"]!["hostname"]!.GetValue<string>());

        var missing = await CliRunner.RunAsync(Wait, "maintenance", "schedule", "--file", file + ".none", "--masters", masters);
        Assert.Equal(2, missing.Exit);
        Assert.StartsWith("mesos-ha: --file", missing.Err);
        var noMachine = await CliRunner.RunAsync(Wait, "maintenance", "down", "--masters", masters);
        Assert.Equal(2, noMachine.Exit);
    }

    [Theory]
    [InlineData("master --id 1 --raft 127.0.0.1:1 --peers 127.0.0.1:1 --http 127.0.0.1:2 --data-dir /tmp/x --bogus 1", "unknown")]
    [InlineData("master --id 1 --raft 127.0.0.1:1 --peers 127.0.0.1:3 --http 127.0.0.1:2 --data-dir /tmp/x", "--join")]
    [InlineData("master --id 1 --raft 127.0.0.1:1 --peers 127.0.0.1:1 --http 127.0.0.1:2 --data-dir /tmp/x --join", "drop --join")]
    [InlineData("masters add --masters 127.0.0.1:1", "usage")]
    [InlineData("agent --masters 127.0.0.1:1 --work-dir /tmp/x --resources cpus:lots", "--resources")]
    [InlineData("agent --masters no-such-host.invalid:5050 --work-dir /tmp/x", "cannot be resolved")]
    [InlineData("master --id 1 --raft 127.0.0.1:1 --peers no-such-host.invalid:1 --http 127.0.0.1:2 --data-dir /tmp/x", "cannot be resolved")]
    [InlineData("state --masters 127.0.0.1:1", "no leading master answered")]
    [InlineData("local --masters 2", "odd")]
    [InlineData("run --masters 127.0.0.1:1", "usage")]
    [InlineData("logs --masters 127.0.0.1:1", "usage")]
    [InlineData("logs t1 t2 --masters 127.0.0.1:1", "usage")]
    [InlineData("logs t1 --masters 127.0.0.1:1", "no leading master answered")]
    [InlineData("agent --masters 127.0.0.1:1 --work-dir /tmp/x --no-such-flag", "unknown option --no-such-flag")]
    [InlineData("master --raft", "--raft")]
    [InlineData("master --id 1 --raft 127.0.0.1:1 --peers 127.0.0.1:1 --http 127.0.0.1:2 --data-dir /tmp/x --agent-ping-timeout-ms 5", "--agent-ping-timeout-ms")]
    [InlineData("master --id 1 --raft 127.0.0.1:1 --peers 127.0.0.1:1 --http 127.0.0.1:2 --data-dir /tmp/x --max-agent-ping-timeouts 0", "--max-agent-ping-timeouts")]
    [InlineData("bench replication --bogus 1", "unknown option --bogus")]
    [InlineData("bench", "needs a command")]
    [InlineData("frob", "unknown command 'frob'")]
    [InlineData("masters", "needs a command")]
    [InlineData("replay", "usage")]
    [InlineData("leader step-down --masters", "--masters")]
    [InlineData("demo --tasks lots", "--tasks must be an integer")]
    [InlineData("agent --masters 127.0.0.1:1 --work-dir /tmp/x --executor-registration-timeout 5", "--executor-registration-timeout must be a duration")]
    [InlineData("master --id 1 --raft 127.0.0.1:1 --peers 127.0.0.1:1 --http 127.0.0.1:2 --data-dir /tmp/x --authenticate-agents", "needs --credentials")]
    [InlineData("master --id 1 --raft 127.0.0.1:1 --peers 127.0.0.1:1 --http 127.0.0.1:2 --data-dir /tmp/x --credentials /no/such/credentials", "--credentials /no/such/credentials")]
    [InlineData("agent --masters 127.0.0.1:1 --work-dir /tmp/x --credential /no/such/credential", "--credential /no/such/credential")]
    [InlineData("master --id 1 --raft 127.0.0.1:1 --peers 127.0.0.1:1 --http 127.0.0.1:2 --data-dir /tmp/x --acls {\"run_task\":[]}", "unknown action 'run_task'")]
    [InlineData("state --masters 127.0.0.1:1 --credential /no/such/credential", "--credential /no/such/credential")]
    public async Task BadConfiguration_IsOneLine_AndExitsNonZero(string args, string expected)
    {
        var (exit, stdout, stderr) = await CliRunner.RunAsync(Wait, args.Split(' '));
        Assert.Equal(2, exit);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line);
        Assert.DoesNotContain("   at ", stderr + stdout);
    }

    /// <summary>A port another process holds, or a directory that cannot be made: one line naming the flag, exit 2, no stack trace.</summary>
    [Fact]
    public async Task StartupFailures_OfMasterAgentAndLocal_AreOneLine_AndExit2()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        int[] free = [.. Enumerable.Range(0, 2).Select(_ => new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
            .Select(l => { l.Start(); return l; }).ToArray().Select(l => { var p = ((System.Net.IPEndPoint)l.LocalEndpoint).Port; l.Stop(); return p; })];
        var (raft, http) = (free[0], free[1]);
        var data = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "startup-" + Guid.NewGuid().ToString("N")[..8]);
        const string notADirectory = "/proc/self/status/below"; // a path under a file: no one can create it, root included
        string[][] cases =
        [
            ["master", "--id", "1", "--raft", $"127.0.0.1:{raft}", "--peers", $"127.0.0.1:{raft}", "--http", $"127.0.0.1:{port}", "--data-dir", data, "--no-warm-up"],
            ["master", "--id", "1", "--raft", $"127.0.0.1:{port}", "--peers", $"127.0.0.1:{port}", "--http", $"127.0.0.1:{http}", "--data-dir", data, "--no-warm-up"],
            ["master", "--id", "1", "--raft", $"127.0.0.1:{raft}", "--peers", $"127.0.0.1:{raft}", "--http", $"127.0.0.1:{http}", "--data-dir", notADirectory],
            ["agent", "--masters", "127.0.0.1:1", "--work-dir", data, "--hostname", "127.0.0.1", "--port", port.ToString(), "--no-cgroups"],
            ["agent", "--masters", "127.0.0.1:1", "--work-dir", notADirectory, "--no-cgroups"],
            ["local", "--data-dir", notADirectory],
        ];
        string[] expected = [$"--http 127.0.0.1:{port} is already in use", $"--raft 127.0.0.1:{port} is already in use", $"--data-dir {notADirectory} cannot be used",
            $"--port 127.0.0.1:{port} is already in use", $"--work-dir {notADirectory} cannot be used", $"--data-dir {notADirectory} cannot be used"];
        try
        {
            for (var i = 0; i < cases.Length; i++)
            {
                var (exit, stdout, stderr) = await CliRunner.RunAsync(Wait, cases[i]);
                var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.True(exit == 2 && lines.Length == 1, $"{string.Join(' ', cases[i])}: exit {exit}, stderr:\n{stderr}");
                Assert.Contains(expected[i], lines[0]);
                Assert.DoesNotContain("   at ", stderr + stdout);
            }
        }
        finally
        {
            if (Directory.Exists(data)) Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Demo_FinishesEveryTask_AcrossALeaderKill()
    {
        var (exit, stdout, stderr) = await CliRunner.RunAsync(TimeSpan.FromMinutes(2), "demo", "--tasks", "24");
        output.WriteLine(stdout);
        output.WriteLine(stderr);
        Assert.Equal(0, exit);
        Assert.Contains("killing the leader", stdout);
        Assert.Matches(@"master \d elected leader \(term \d+\) \d+ ms after the kill", stdout);
        Assert.Contains("framework re-subscribed", stdout);
        Assert.Contains("tasks finished          24/24", stdout);
    }

    [Fact]
    public async Task Options_ComeFromFlags_ThenTheEnvironment_ThenAppsettings()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "config-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "appsettings.json"),
                """{ "agent": { "masters": "127.0.0.1:1", "work-dir": "w", "resources": "cpus:fromfile" } }""");
            var none = new Dictionary<string, string>();
            var fromFile = await CliRunner.RunAsync(Wait, dir, none, "agent");
            Assert.Equal(2, fromFile.Exit);
            Assert.Contains("'cpus:fromfile'", fromFile.Err);
            var fromEnvironment = await CliRunner.RunAsync(Wait, dir, new Dictionary<string, string> { ["MESOS_HA_RESOURCES"] = "cpus:fromenv" }, "agent");
            Assert.Contains("'cpus:fromenv'", fromEnvironment.Err);
            var fromFlag = await CliRunner.RunAsync(Wait, dir, new Dictionary<string, string> { ["MESOS_HA_RESOURCES"] = "cpus:fromenv" },
                "agent", "--resources", "cpus:fromflag");
            Assert.Contains("'cpus:fromflag'", fromFlag.Err);
            var broken = Path.Combine(dir, "broken.json");
            await File.WriteAllTextAsync(broken, "{ \"agent\": ");
            var unreadable = await CliRunner.RunAsync(Wait, dir, none, "agent", "--config", broken);
            Assert.Equal(2, unreadable.Exit);
            Assert.Contains("broken.json", unreadable.Err);
            var flagFromEnvironment = await CliRunner.RunAsync(Wait, dir, new Dictionary<string, string> { ["MESOS_HA_NO_CGROUPS"] = "maybe" },
                "agent", "--resources", "cpus:1");
            Assert.Contains("MESOS_HA_NO_CGROUPS", flagFromEnvironment.Err);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
