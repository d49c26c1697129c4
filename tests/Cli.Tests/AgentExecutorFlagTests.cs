using Xunit;

namespace Mesos.HA.Cli.Tests;

/// <summary>
/// The agent's executor timeouts take durations as Mesos writes them; anything else is refused in one
/// line naming the option, with exit code 2, before the agent touches its work directory.
/// </summary>
public sealed class AgentExecutorFlagTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("--executor-registration-timeout", "soon", "must be a duration such as 500ms, 5secs or 1mins")]
    [InlineData("--executor-registration-timeout", "1min", "must be a duration such as 500ms, 5secs or 1mins")]
    [InlineData("--executor-registration-timeout", "0secs", "must be longer than 0")]
    [InlineData("--executor-shutdown-grace-period", "5", "must be a duration such as 500ms, 5secs or 1mins")]
    [InlineData("--executor-shutdown-grace-period", "-1secs", "must be a duration such as 500ms, 5secs or 1mins")]
    [InlineData("--executor-reregistration-timeout", "2 secs", "must be a duration such as 500ms, 5secs or 1mins")]
    [InlineData("--executor-reregistration-timeout", "0ms", "must be longer than 0")]
    public async Task ABadExecutorDuration_IsRefusedInOneLineNamingTheFlag(string flag, string value, string expected)
    {
        var workDir = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "flags-" + Guid.NewGuid().ToString("N")[..8]);
        var (exit, stdout, stderr) = await CliRunner.RunAsync(Wait, "agent", "--masters", "127.0.0.1:1", "--work-dir", workDir, flag, value);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(exit == 2 && lines.Length == 1, $"{flag} {value}: exit {exit}, stderr:\n{stderr}");
        Assert.Contains($"{flag} {expected}", lines[0]);
        Assert.Contains($"'{value}'", lines[0]);
        Assert.DoesNotContain("   at ", stderr + stdout);
        Assert.False(Directory.Exists(workDir), "the work directory was made before the options were checked");
    }

    /// <summary>A bad value from the environment is refused the same way (the option's variable is MESOS_HA_ and its name).</summary>
    [Fact]
    public async Task ABadExecutorDuration_FromTheEnvironment_IsRefusedToo()
    {
        var workDir = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "flags-" + Guid.NewGuid().ToString("N")[..8]);
        var (exit, _, stderr) = await CliRunner.RunAsync(Wait, null,
            new Dictionary<string, string> { ["MESOS_HA_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] = "forever" },
            "agent", "--masters", "127.0.0.1:1", "--work-dir", workDir);
        Assert.Equal(2, exit);
        Assert.Contains("--executor-shutdown-grace-period must be a duration such as 500ms, 5secs or 1mins", stderr);
        Assert.Contains("'forever'", stderr);
    }

    /// <summary>The agent's security switches are flags: from the environment they are true or false, anything else is refused naming the variable.</summary>
    [Theory]
    [InlineData("MESOS_HA_NO_SWITCH_USER", "sometimes")]
    [InlineData("MESOS_HA_AUTHENTICATE_HTTP_EXECUTORS", "yes")]
    public async Task ASecurityFlag_FromTheEnvironment_IsTrueOrFalse(string variable, string value)
    {
        var workDir = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "flags-" + Guid.NewGuid().ToString("N")[..8]);
        var (exit, _, stderr) = await CliRunner.RunAsync(Wait, null, new Dictionary<string, string> { [variable] = value },
            "agent", "--masters", "127.0.0.1:1", "--work-dir", workDir);
        Assert.Equal(2, exit);
        Assert.Contains($"{variable} / ", stderr);
        Assert.Contains($"expected true or false, not '{value}'", stderr);
    }
}
