using Mesos.HA.Master;
using Mesos.HA.Master.Core;
using Mesos.HA.Replication;
using Xunit;

namespace Mesos.HA.Cli.Tests;

/// <summary>
/// The chaos suite's injected bugs stay out of reach: no default turns one on, and the master command
/// refuses <c>--inject-bug</c> unless the test-only variable is set.
/// </summary>
public sealed class InjectedBugSwitchTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public void DefaultOptions_InjectNoBug()
    {
        var replication = new ReplicationOptions
        {
            RaftEndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1), Members = [], DataDirectory = "/tmp/x",
        };
        Assert.Equal(InjectedBugs.None, replication.InjectedBugs);
        Assert.Equal(InjectedBugs.None, new MasterOptions { Id = 1, HttpHost = "127.0.0.1", HttpPort = 1, Replication = replication }.Replication.InjectedBugs);
        Assert.False(new MasterCoreOptions { OfferIdPrefix = "t1" }.DropTerminalUpdates);
    }

    [Fact]
    public void EveryBug_HasACommandLineName()
    {
        foreach (var bug in Enum.GetValues<InjectedBugs>().Where(b => b != InjectedBugs.None))
            Assert.Equal(bug, InjectedBugNames.Parse(InjectedBugNames.Describe(bug), out _));
        Assert.Null(InjectedBugNames.Parse("skip-read-barrier,no-such-bug", out var error));
        Assert.Contains("no-such-bug", error);
    }

    [Theory]
    [InlineData("", "--inject-bug skip-read-barrier", "MESOS_HA_ALLOW_BUG_INJECTION=1")]
    [InlineData("0", "--inject-bug ack-before-commit", "MESOS_HA_ALLOW_BUG_INJECTION=1")]
    [InlineData("1", "--inject-bug no-such-bug", "unknown bug")]
    public async Task MasterCommand_RefusesInjectBug_WithoutTheTestOnlyVariable(string allow, string flag, string expected)
    {
        var args = $"master --id 1 --raft 127.0.0.1:1 --peers 127.0.0.1:1 --http 127.0.0.1:2 --data-dir /tmp/x {flag}".Split(' ');
        var environment = new Dictionary<string, string> { [InjectedBugNames.AllowVariable] = allow };
        var (exit, stdout, stderr) = await CliRunner.RunAsync(Wait, null, environment, args);
        Assert.Equal(2, exit);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line);
        Assert.DoesNotContain("   at ", stderr + stdout);
    }
}
