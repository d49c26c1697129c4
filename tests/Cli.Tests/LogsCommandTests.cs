using Mesos.HA.Protocol;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Cli.Tests;

/// <summary><c>mesos-ha logs</c> against a real master and agent: a running task's output followed as it is written, and the file of a finished one.</summary>
public sealed class LogsCommandTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task LogsFollow_PrintsARunningTasksLinesAsTheyAreWritten_AndExitsWhenItFinishes()
    {
        await using var cluster = new ClusterHarness(1, output);
        await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        var framework = await cluster.StartFrameworkAsync();
        var masters = string.Join(',', cluster.MasterAddresses);

        // The task writes line i only once the test has created go<i> in its sandbox: the test decides when output appears.
        await framework.LaunchAsync("ticker", "echo started; for i in 1 2 3; do while [ ! -e go$i ]; do sleep 0.02; done; echo line $i; done; echo oops >&2",
            ClusterHarness.Deadline);
        await framework.WaitForStateAsync("ticker", "TASK_RUNNING", ClusterHarness.Deadline, "launch");
        var sandbox = ClusterHarness.SandboxOf(agent, "ticker");

        using var follow = new CliChild("logs", "ticker", "--follow", "--masters", masters);
        string Seen() => $"printed [{string.Join(" | ", follow.Lines)}], stderr [{follow.Errors.Trim()}], exited {follow.HasExited}, task states [{string.Join(", ", framework.States("ticker"))}]";
        await Poll.UntilAsync("logs --follow prints what the task wrote before it started", () => follow.Lines.Contains("started"), Wait, Seen);
        for (var i = 1; i <= 3; i++)
        {
            Assert.DoesNotContain($"line {i}", follow.Lines); // not written yet
            Assert.False(follow.HasExited, Seen());
            await File.WriteAllTextAsync(Path.Combine(sandbox, $"go{i}"), "");
            var line = $"line {i}";
            await Poll.UntilAsync($"logs --follow prints '{line}' once the task wrote it", () => follow.Lines.Contains(line), Wait, Seen);
        }
        Assert.True(await follow.WaitForExitAsync(Wait), $"logs --follow did not exit after the task finished: {Seen()}");
        Assert.True(follow.ExitCode == 0, Seen());
        Assert.Equal(["started", "line 1", "line 2", "line 3"], follow.Lines);
        Assert.Contains("TASK_FINISHED", framework.States("ticker"));

        // The finished task's files, whole, without --follow; stderr on request.
        var stdout = await CliRunner.RunAsync(Wait, "logs", "ticker", "--masters", masters);
        Assert.True(stdout.Exit == 0, stdout.Err);
        Assert.Equal("started\nline 1\nline 2\nline 3\n", stdout.Out);
        var stderr = await CliRunner.RunAsync(Wait, "logs", "--masters", masters, "ticker", "--stderr");
        Assert.True(stderr.Exit == 0, stderr.Err);
        Assert.Equal("oops\n", stderr.Out);

        var unknown = await CliRunner.RunAsync(Wait, "logs", "no-such-task", "--masters", masters);
        Assert.Equal(1, unknown.Exit);
        Assert.Equal("mesos-ha: no task 'no-such-task' is known to the leading master", unknown.Err.Trim());
        Assert.Equal("", unknown.Out);
        Assert.Equal(2, (await CliRunner.RunAsync(Wait, "logs", "--masters", masters)).Exit);
        Assert.Equal(2, (await CliRunner.RunAsync(Wait, "logs", "ticker", "--masters", masters, "--bogus")).Exit);
    }
}
