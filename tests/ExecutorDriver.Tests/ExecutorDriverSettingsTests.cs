using Xunit;

namespace Mesos.HA.ExecutorDriver.Tests;

public class ExecutorDriverSettingsTests
{
    private static readonly Dictionary<string, string> Launched = new()
    {
        ["MESOS_FRAMEWORK_ID"] = "framework-1",
        ["MESOS_EXECUTOR_ID"] = "executor-1",
        ["MESOS_AGENT_ENDPOINT"] = "127.0.0.1:5051",
        ["MESOS_DIRECTORY"] = "/var/lib/mesos/sandbox",
    };

    private static ExecutorDriverSettings Read(Dictionary<string, string> variables) =>
        ExecutorDriverSettings.FromEnvironment(name => variables.GetValueOrDefault(name));

    private static Dictionary<string, string> With(string name, string? value)
    {
        var variables = new Dictionary<string, string>(Launched);
        if (value is null) variables.Remove(name);
        else variables[name] = value;
        return variables;
    }

    [Fact]
    public void FromEnvironment_OnlyRequired_MesosDefaults()
    {
        var settings = Read(Launched);

        Assert.Equal("framework-1", settings.FrameworkId);
        Assert.Equal("executor-1", settings.ExecutorId);
        Assert.Equal("127.0.0.1:5051", settings.AgentEndpoint);
        Assert.Equal("/var/lib/mesos/sandbox", settings.Sandbox);
        Assert.False(settings.Checkpoint);
        Assert.Equal(TimeSpan.FromMinutes(15), settings.RecoveryTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.SubscriptionBackoffMax);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.ShutdownGracePeriod);
    }

    [Fact]
    public void FromEnvironment_TheAuthenticationToken_IsReadButNeverPrinted()
    {
        Assert.Null(Read(Launched).AuthenticationToken);
        var settings = Read(With("MESOS_EXECUTOR_AUTHENTICATION_TOKEN", "s3cr3t.token"));
        Assert.Equal("s3cr3t.token", settings.AuthenticationToken);
        Assert.DoesNotContain("s3cr3t", settings.ToString());
        Assert.Contains("AuthenticationToken = given", settings.ToString());
    }

    [Fact]
    public void FromEnvironment_DurationsAndCheckpoint_ReadInMesosForm()
    {
        var variables = new Dictionary<string, string>(Launched)
        {
            ["MESOS_CHECKPOINT"] = "1",
            ["MESOS_RECOVERY_TIMEOUT"] = "2mins",
            ["MESOS_SUBSCRIPTION_BACKOFF_MAX"] = "500ms",
            ["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] = "1.5secs",
            ["MESOS_SANDBOX"] = "/mnt/mesos/sandbox",
        };

        var settings = Read(variables);

        Assert.True(settings.Checkpoint);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.RecoveryTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(500), settings.SubscriptionBackoffMax);
        Assert.Equal(TimeSpan.FromSeconds(1.5), settings.ShutdownGracePeriod);
        Assert.Equal("/mnt/mesos/sandbox", settings.Sandbox);
        Assert.True(Read(With("MESOS_CHECKPOINT", "true")).Checkpoint);
    }

    [Theory]
    [InlineData("MESOS_FRAMEWORK_ID")]
    [InlineData("MESOS_EXECUTOR_ID")]
    [InlineData("MESOS_AGENT_ENDPOINT")]
    [InlineData("MESOS_DIRECTORY")]
    public void FromEnvironment_RequiredMissing_ErrorNamesTheVariable(string name)
    {
        var error = Assert.Throws<ExecutorSettingsException>(() => Read(With(name, null)));
        Assert.Equal(name, error.Variable);
        Assert.StartsWith(name + ": missing", error.Message);
    }

    [Theory]
    [InlineData("MESOS_AGENT_ENDPOINT", "localhost:5051")]
    [InlineData("MESOS_AGENT_ENDPOINT", "127.0.0.1")]
    [InlineData("MESOS_CHECKPOINT", "yes")]
    [InlineData("MESOS_RECOVERY_TIMEOUT", "15")]
    [InlineData("MESOS_SUBSCRIPTION_BACKOFF_MAX", "2 secs")]
    [InlineData("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "soon")]
    public void FromEnvironment_Unreadable_ErrorNamesTheVariableAndValue(string name, string value)
    {
        var error = Assert.Throws<ExecutorSettingsException>(() => Read(With(name, value)));
        Assert.Equal(name, error.Variable);
        Assert.Contains($"'{value}'", error.Message);
    }
}
