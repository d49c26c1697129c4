using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;
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
    /// <summary>For the page to show what the cluster reached (each render is a whole browser run of a few seconds).</summary>
    private static readonly TimeSpan RenderDeadline = TimeSpan.FromSeconds(90);

    [ChromiumFact]
    public async Task ThePage_MarksTheLeaderRow_ShowsDrainState_LinksTasksToTheirStdout_AndKeepsALeaderTimeline()
    {
        Assert.True(File.Exists(ChromiumFactAttribute.Browser), $"{ChromiumFactAttribute.Browser} is required under CI");
        await using var cluster = new ClusterHarness(3, output);
        await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        var framework = await cluster.StartFrameworkAsync();
        await framework.LaunchAsync("on-the-page", "echo hello from on-the-page; sleep 600", ClusterHarness.Deadline);
        await framework.WaitForStateAsync("on-the-page", "TASK_RUNNING", ClusterHarness.Deadline, "launch");
        var agentId = (await agent.TryHealthAsync())!.Id!;

        // The leader's page: every master answered (the leader's term in each row), the leader's row marked with its HTTP address
        // and term. The leader and term are read before each render: on a loaded machine an election may come between.
        var (dom, leader, term) = await RenderUntilAsync("the leader's page shows every master's term, the leader row marked", cluster, l => l,
            (d, _, t) => cluster.Group.Masters.All(m => MasterRow(d, m) is { } row && Regex.IsMatch(row, $"<td>(leader|follower)</td><td>{t}</td>"))
                            && d.Contains("class=\"stdout\""));
        var leaderRow = MasterRow(dom, leader)!;
        Assert.StartsWith("<tr class=\"leader\"", leaderRow, StringComparison.Ordinal);
        Assert.Contains($"<td>{leader.HttpAddress}</td><td><span class=\"badge leader\">LEADER</span></td><td>leader</td><td>{term}</td>", leaderRow);
        foreach (var follower in cluster.Group.Masters.Where(m => m.Id != leader.Id))
        {
            var row = MasterRow(dom, follower)!;
            Assert.DoesNotContain("class=\"leader\"", row);
            Assert.Contains($"<td>{follower.HttpAddress}</td><td></td><td>follower</td><td>{term}</td>", row);
            Assert.EndsWith($"<td title=\"raft {leader.RaftAddress}\">{leader.HttpAddress}</td></tr>", row); // the leader it sees, as the leader row names it
        }
        Assert.Equal(1, Regex.Count(dom, "<tr class=\"leader\""));
        Assert.Contains($"<td>{agentId}</td>", dom);
        Assert.Contains("<td>on-the-page</td>", dom);
        Assert.Contains("<td>TASK_RUNNING</td>", dom);
        Assert.Contains($"<td>{framework.FrameworkId}</td>", dom);
        Assert.Contains("is the leader", dom);
        Assert.DoesNotContain("id=\"summary\" class=\"bad\"", dom); // the error rendering

        // The timeline holds at least the current term's row, naming the leader.
        Assert.True(Regex.IsMatch(dom, $"<table id=\"timeline\">.*<tr class=\"current\"><td>[^<]+</td><td>{term}</td><td>{leader.HttpAddress}</td><td>{leader.RaftAddress}</td></tr>",
            RegexOptions.Singleline), "no timeline row of the current term and leader in: " + dom);

        // The task links to its stdout on its agent, and the link answers with what the task wrote.
        var alias = $"/frameworks/{framework.FrameworkId}/executors/on-the-page/runs/latest";
        var stdoutUrl = $"http://127.0.0.1:{agent.HttpPort}/files/read?path={Uri.EscapeDataString(alias + "/stdout")}&offset=0";
        Assert.Equal(stdoutUrl, Link(dom, "stdout"));
        Assert.Equal($"http://127.0.0.1:{agent.HttpPort}/files/read?path={Uri.EscapeDataString(alias + "/stderr")}&offset=0", Link(dom, "stderr"));
        Assert.Equal($"http://127.0.0.1:{agent.HttpPort}/files/browse?path={Uri.EscapeDataString(alias)}", Link(dom, "sandbox"));
        string read = "";
        await Poll.UntilAsync("the stdout link answers 200 with the task's output", async () =>
        {
            using var response = await MasterProcess.Client.GetAsync(stdoutUrl);
            read = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            return response.StatusCode == HttpStatusCode.OK
                   && JsonDocument.Parse(read[4..]).RootElement.GetProperty("data").GetString()!.Contains("hello from on-the-page\n", StringComparison.Ordinal);
        }, ClusterHarness.Deadline, () => $"GET {stdoutUrl}: {read}");

        // A follower's page shows the same: the leader's tasks (taken from the leader) and the leader's row marked.
        (var followerDom, leader, term) = await RenderUntilAsync("a follower's page shows the leader's tasks and marks the leader row", cluster,
            l => cluster.Group.Masters.First(m => m.Id != l.Id),
            (d, l, t) => MasterRow(d, l) is { } row && row.Contains($"<td>leader</td><td>{t}</td>") && d.Contains("<td>on-the-page</td>"));
        Assert.Contains("is the follower", followerDom);
        Assert.Contains($"leader: {leader.HttpAddress} (raft {leader.RaftAddress})", followerDom);
        Assert.StartsWith("<tr class=\"leader\"", MasterRow(followerDom, leader)!, StringComparison.Ordinal);
        Assert.Equal(stdoutUrl, Link(followerDom, "stdout"));
        Assert.Contains($"<td>{agentId}</td>", followerDom);

        // Drained through the operator API, the agent shows its drain state.
        using var drain = await MasterProcess.Client.PostAsync($"http://{leader.HttpAddress}/api/v1",
            new StringContent("{\"type\":\"DRAIN_AGENT\",\"drain_agent\":{\"agent_id\":{\"value\":\"" + agentId + "\"}}}", Encoding.UTF8, "application/json"));
        Assert.True(drain.StatusCode == HttpStatusCode.OK, $"DRAIN_AGENT: {(int)drain.StatusCode} {await drain.Content.ReadAsStringAsync()}");
        var (drained, _, _) = await RenderUntilAsync("the drained agent's row shows DRAINING or DRAINED", cluster, l => l,
            (d, _, _) => AgentRow(d, agentId) is { } row && Regex.IsMatch(row, "<span class=\"badge drain(ing|ed)\">DRAIN(ING|ED)</span>"));
        output.WriteLine("drained agent row: " + AgentRow(drained, agentId));
    }

    [ChromiumFact]
    public async Task Screenshot_AtDesktopWidth_IsA1440x900ImageOfTheRenderedPage()
    {
        Assert.True(File.Exists(ChromiumFactAttribute.Browser), $"{ChromiumFactAttribute.Browser} is required under CI");
        await using var cluster = new ClusterHarness(3, output);
        var leader = await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        var framework = await cluster.StartFrameworkAsync();
        await framework.LaunchAsync("pictured", "echo in the picture; sleep 600", ClusterHarness.Deadline);
        await framework.WaitForStateAsync("pictured", "TASK_RUNNING", ClusterHarness.Deadline, "launch");
        // The masters' addresses are learned once: the screenshot's render then draws what this one drew.
        (_, leader, _) = await RenderUntilAsync("the page has the cluster's data", cluster, l => l,
            (d, _, _) => d.Contains("<td>pictured</td>") && cluster.Group.Masters.All(m => MasterRow(d, m) is { } row && !row.Contains("<td>?</td>")));

        var directory = Path.Combine(Path.GetTempPath(), "mesos-ha-screenshots");
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, $"overview-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}.png");
        var run = await ChromiumAsync($"--screenshot={file}", "--window-size=1440,900", "--hide-scrollbars", $"http://{leader.HttpAddress}/");
        output.WriteLine($"screenshot: {file}");
        Assert.True(File.Exists(file), $"no screenshot at {file}; chromium said: {run.Errors}");

        var png = await File.ReadAllBytesAsync(file);
        var (width, height, pixels) = DecodePng(png);
        Assert.Equal((1440, 900), (width, height));
        // A blank page compresses to almost nothing and its scanlines hold a handful of byte values; text and tables many.
        var distinct = pixels.Distinct().Count();
        output.WriteLine($"screenshot: {png.Length} bytes, {pixels.Length} bytes of scanlines, {distinct} distinct byte values");
        Assert.True(png.Length > 20_000, $"the screenshot is {png.Length} bytes: blank?");
        Assert.True(distinct > 64, $"the screenshot's scanlines hold only {distinct} distinct byte values: blank?");
    }

    /// <summary>The masters table's row of <paramref name="master"/>, as markup, or null when the page has none.</summary>
    private static string? MasterRow(string dom, MasterProcess master)
    {
        var match = Regex.Match(dom, $"<tr(?: class=\"[^\"]*\")? data-raft=\"{Regex.Escape(master.RaftAddress)}\">.*?</tr>");
        return match.Success ? match.Value : null;
    }

    /// <summary>The agents table's row of <paramref name="agentId"/>, or null.</summary>
    private static string? AgentRow(string dom, string agentId)
    {
        var match = Regex.Match(dom, $"<tr><td>{Regex.Escape(agentId)}</td>.*?</tr>");
        return match.Success ? match.Value : null;
    }

    /// <summary>The (decoded) href of the first sandbox link of class <paramref name="kind"/>.</summary>
    private static string? Link(string dom, string kind)
    {
        var match = Regex.Match(dom, $"<a href=\"([^\"]*)\" class=\"{kind}\"");
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value) : null;
    }

    /// <summary>
    /// Renders the page of the master <paramref name="pick"/> chooses (given the leader of the moment) until <paramref name="done"/>
    /// holds for its DOM, that leader and its term; the timeout names the phase, the last leader and the last DOM.
    /// </summary>
    private async Task<(string Dom, MasterProcess Leader, long Term)> RenderUntilAsync(string phase, ClusterHarness cluster,
        Func<MasterProcess, MasterProcess> pick, Func<string, MasterProcess, long, bool> done)
    {
        var (dom, renders, seen) = ("", 0, "");
        MasterProcess? leader = null;
        long term = 0;
        var clock = Stopwatch.StartNew();
        await Poll.UntilAsync(phase, async () =>
        {
            leader = await cluster.LeaderAsync();
            if (await leader.TryStatusAsync() is not { Role: "leader" } status) return false;
            term = status.Term;
            var master = pick(leader);
            renders++;
            seen = $"{renders} renders, the last of http://{master.HttpAddress}/ with leader {leader.HttpAddress} in term {term}";
            dom = (await ChromiumAsync("--dump-dom", $"http://{master.HttpAddress}/")).Output;
            return done(dom, leader, term);
        }, RenderDeadline, () => $"{seen}; the last DOM: {dom}", interval: TimeSpan.FromMilliseconds(200));
        output.WriteLine($"{phase}: {renders} render(s), {clock.Elapsed.TotalSeconds:F1} s");
        return (dom, leader!, term);
    }

    /// <summary>One headless Chromium run with its own profile (Chromium's virtual time lets the page's fetches complete).</summary>
    private static async Task<(string Output, string Errors)> ChromiumAsync(params string[] args)
    {
        var profile = Path.Combine(Path.GetTempPath(), "mesos-ha-chromium-" + Guid.NewGuid().ToString("N")[..12]);
        var info = new ProcessStartInfo(ChromiumFactAttribute.Browser)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", $"--user-data-dir={profile}", "--virtual-time-budget=5000" }.Concat(args))
            info.ArgumentList.Add(arg);
        try
        {
            using var browser = Process.Start(info)!;
            var stdout = browser.StandardOutput.ReadToEndAsync();
            var stderr = browser.StandardError.ReadToEndAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await browser.WaitForExitAsync(limit.Token);
            }
            finally
            {
                if (!browser.HasExited) browser.Kill(entireProcessTree: true);
            }
            return (await stdout, await stderr);
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// Width and height from the IHDR chunk and the inflated scanlines of the IDAT chunks of an 8-bit PNG
    /// (their length is checked against the header, so a truncated image fails here).
    /// </summary>
    private static (int Width, int Height, byte[] Scanlines) DecodePng(byte[] png)
    {
        Assert.True(png.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }), "not a PNG");
        Assert.Equal("IHDR", Encoding.ASCII.GetString(png, 12, 4));
        var width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16));
        var height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
        var (depth, colour) = (png[24], png[25]);
        Assert.True(depth == 8, $"bit depth {depth}");
        var channels = colour switch { 0 => 1, 2 => 3, 4 => 2, 6 => 4, _ => throw new InvalidDataException($"PNG colour type {colour}") };
        using var idat = new MemoryStream();
        for (var at = 8; at + 8 <= png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            if (Encoding.ASCII.GetString(png, at + 4, 4) == "IDAT") idat.Write(png, at + 8, length);
            at += 12 + length;
        }
        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress)) zlib.CopyTo(inflated);
        var scanlines = inflated.ToArray();
        Assert.Equal((long)height * (1 + (long)width * channels), scanlines.Length);
        return (width, height, scanlines);
    }
}
