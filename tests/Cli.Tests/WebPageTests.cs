using System.Diagnostics;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Cli.Tests;

/// <summary>Runs only where Debian's Chromium is installed (`.ci/run` installs it); under CI=true a missing browser fails the test instead.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Browser = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(Browser) && Environment.GetEnvironmentVariable("CI") != "true")
            Skip = $"{Browser} is not installed (apt-get install chromium; .ci/run does it)";
    }
}

/// <summary>The overview page, rendered by a real headless browser against a running cluster.</summary>
public sealed class WebPageTests(ITestOutputHelper output)
{
    [ChromiumFact]
    public async Task ThePage_ShowsTheAgentsFrameworksAndTasksOfARunningCluster()
    {
        Assert.True(File.Exists(ChromiumFactAttribute.Browser), $"{ChromiumFactAttribute.Browser} is required under CI");
        await using var cluster = new ClusterHarness(3, output);
        var leader = await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        var framework = await cluster.StartFrameworkAsync();
        await framework.LaunchAsync("on-the-page", "sleep 60", ClusterHarness.Deadline);
        await framework.WaitForStateAsync("on-the-page", "TASK_RUNNING", ClusterHarness.Deadline, "launch");
        var agentId = (await agent.TryHealthAsync())!.Id!;

        var dom = await RenderAsync($"http://{leader.HttpAddress}/");
        Assert.Contains($"<td>{agentId}</td>", dom);
        Assert.Contains("<td>on-the-page</td>", dom);
        Assert.Contains("<td>TASK_RUNNING</td>", dom);
        Assert.Contains($"<td>{framework.FrameworkId}</td>", dom);
        Assert.Contains("is the leader", dom);
        Assert.DoesNotContain("id=\"summary\" class=\"bad\"", dom); // the error rendering

        var follower = cluster.Group.Masters.First(m => m.Id != leader.Id);
        var followerDom = await RenderAsync($"http://{follower.HttpAddress}/");
        Assert.Contains("is the follower", followerDom);
        Assert.Contains($"leader: {leader.HttpAddress} (raft {leader.RaftAddress})", followerDom);
        // The masters' rows are Raft members; the leader's row also names the HTTP address the summary uses.
        Assert.Contains($"raft {leader.RaftAddress}  (leader, http {leader.HttpAddress})", followerDom);
        Assert.Contains($"<td>{agentId}</td>", followerDom);
    }

    /// <summary>The DOM after the page's scripts ran (Chromium's virtual time lets the fetch complete).</summary>
    private static async Task<string> RenderAsync(string url)
    {
        var info = new ProcessStartInfo(ChromiumFactAttribute.Browser)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000", "--dump-dom", url })
            info.ArgumentList.Add(arg);
        using var browser = Process.Start(info)!;
        var dom = browser.StandardOutput.ReadToEndAsync();
        _ = browser.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await browser.WaitForExitAsync(limit.Token);
        }
        finally
        {
            if (!browser.HasExited) browser.Kill(entireProcessTree: true);
        }
        return await dom;
    }
}
