using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Cli.Tests;

/// <summary>The scale benchmarks at a small size: they run end to end and print their RESULT line (bounded: 60 s each).</summary>
public sealed partial class ScaleBenchTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task FailoverScale_SmallCluster_AgentsFollowTheNewLeaderAndTheFrameworkReconcilesEveryTask()
    {
        var (exit, stdout, stderr) = await CliRunner.RunAsync(Limit, "bench", "failover-scale", "--agents", "20", "--tasks", "100", "--rounds", "1", "--seed", "7");
        output.WriteLine(stdout + stderr);
        Assert.Equal(0, exit);
        var result = FailoverResult().Match(stdout);
        Assert.True(result.Success, $"no RESULT line in:\n{stdout}");
        var elected = double.Parse(result.Groups["elected"].Value, System.Globalization.CultureInfo.InvariantCulture);
        var reregistered = double.Parse(result.Groups["reregistered"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(elected > 0 && reregistered >= elected, $"agents re-register with the new leader after it is elected: {result.Value}");
    }

    [Fact]
    public async Task Agents_SmallFleet_AllHeldForTheWindow()
    {
        var (exit, stdout, stderr) = await CliRunner.RunAsync(Limit, "bench", "agents", "--agents", "50", "--seconds", "2", "--seed", "7");
        output.WriteLine(stdout + stderr);
        Assert.Equal(0, exit);
        Assert.Matches(AgentsResult(), stdout);
    }

    [GeneratedRegex(@"RESULT failover-scale agents=20 tasks=100 rounds=1 elected_ms=(?<elected>\d+) reregistered_ms=(?<reregistered>\d+) reconciled_ms=\d+ first_offer_ms=\d+ leader_rss_mb=\d+")]
    private static partial Regex FailoverResult();

    [GeneratedRegex(@"RESULT agents held=50 seconds=2 leader_cpu_pct=[\d.]+ leader_mb=\d+ kb_per_agent=-?[\d.]+")]
    private static partial Regex AgentsResult();
}
