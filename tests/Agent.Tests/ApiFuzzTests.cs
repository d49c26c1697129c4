using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mesos.HA.Cli.Local;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Agent.Tests;

/// <summary>Runs when the environment variable names a number of minutes; skipped, saying how to run it, otherwise.</summary>
public sealed class FuzzMinutesFactAttribute : FactAttribute
{
    public const string Variable = "MESOS_HA_FUZZ_MINUTES";

    public FuzzMinutesFactAttribute()
    {
        if (Minutes is null) Skip = $"opt-in: set {Variable}=N to fuzz the HTTP APIs for N minutes";
    }

    public static double? Minutes =>
        double.TryParse(Environment.GetEnvironmentVariable(Variable), System.Globalization.CultureInfo.InvariantCulture, out var m) && m > 0 ? m : null;
}

/// <summary>
/// No input to an HTTP endpoint gets a 500: a seeded mutation fuzzer (<see cref="ApiFuzzer"/>) sends
/// mutated valid calls to the scheduler, operator (JSON and MessagePack), maintenance, agent, executor
/// and files endpoints of a real master and agent; no answer may be a 5xx (but a 503 "no leader"), no
/// log may hold an unhandled exception's stack trace, and the cluster still launches a task afterwards.
/// A failure prints the seed and each failing request, to replay.
/// </summary>
public sealed class ApiFuzzTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly HttpClient Http = new() { Timeout = Wait };

    [Fact]
    public Task SeededMutations_OfEveryApi_GetNo500_AndTheClusterStillWorks() =>
        FuzzAsync(seed: 20261130, count: 3_000, duration: TimeSpan.FromSeconds(60));

    [FuzzMinutesFact]
    public Task LongRun_SeededMutations_GetNo500() =>
        FuzzAsync(seed: Environment.TickCount, count: int.MaxValue, duration: TimeSpan.FromMinutes(FuzzMinutesFactAttribute.Minutes ?? 0));

    private async Task FuzzAsync(int seed, int count, TimeSpan duration)
    {
        await using var cluster = new ClusterHarness(1, output);
        var leader = await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();
        await using var framework = await cluster.StartFrameworkAsync();
        await framework.LaunchAsync("before-fuzz", "echo sandbox", Wait);
        await framework.WaitForStateAsync("before-fuzz", "TASK_FINISHED", Wait, "a task runs before the fuzz");

        var agentAddress = $"127.0.0.1:{agent.HttpPort}";
        using var subscription = await SubscribeAsync(leader.HttpAddress);
        var targets = new FuzzTargets(leader.HttpAddress, agentAddress,
            subscription.FrameworkId, subscription.StreamId, await AgentIdAsync(agentAddress), await FilePathsAsync(agentAddress));

        output.WriteLine($"seed {seed}: up to {count} requests in {duration}");
        var fuzzer = new ApiFuzzer(targets, seed);
        var started = DateTime.UtcNow;
        await fuzzer.RunAsync(count, duration, CancellationToken.None);
        output.WriteLine($"sent {fuzzer.Sent} requests in {(DateTime.UtcNow - started).TotalSeconds:F1} s");
        foreach (var (key, n) in fuzzer.Statuses) output.WriteLine($"  {key}: {n}");
        foreach (var (request, answer) in fuzzer.Failures) output.WriteLine($"FAILED with {answer}\n{request}\n");
        if (fuzzer.Failures is [var first, ..])
            Assert.Fail($"seed {seed}: {fuzzer.Failures.Count} requests answered 5xx or not at all; the first:\n{first.Request}\n-> {first.Answer}");
        Assert.True(fuzzer.Sent >= Math.Min(count, 100), $"only {fuzzer.Sent} requests sent");

        await framework.LaunchAsync("after-fuzz", "true", Wait);
        await framework.WaitForStateAsync("after-fuzz", "TASK_FINISHED", Wait, "a task runs after the fuzz");
        foreach (var log in new[] { leader.LogFile, agent.LogFile })
            Assert.True(StackTraces(log) is not { } trace, $"{Path.GetFileName(log)} holds a stack trace:\n{StackTraces(log)}");
    }

    /// <summary>The first unhandled-exception report in a log, with its stack, or null.</summary>
    private static string? StackTraces(string log)
    {
        var lines = File.ReadAllLines(log);
        for (var i = 0; i < lines.Length; i++)
            if (lines[i].Contains("unhandled exception", StringComparison.OrdinalIgnoreCase) || Regex.IsMatch(lines[i], @"^\s+at \S+\(.*\)"))
                return string.Join('\n', lines.Skip(Math.Max(0, i - 2)).Take(25));
        return null;
    }

    private sealed record Subscription(HttpResponseMessage Response, string FrameworkId, string StreamId) : IDisposable
    {
        public void Dispose() => Response.Dispose();
    }

    /// <summary>A framework of the fuzzer's own, subscribed by hand: its stream id makes the mutated calls reach past the header check.</summary>
    private static async Task<Subscription> SubscribeAsync(string master)
    {
        using var content = new StringContent("""{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"fuzzer","user":"fuzz","failover_timeout":0}}}""",
            Encoding.UTF8, "application/json");
        var response = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"http://{master}/api/v1/scheduler") { Content = content },
            HttpCompletionOption.ResponseHeadersRead);
        Assert.True(response.IsSuccessStatusCode, $"the fuzzer's framework subscribes: {(int)response.StatusCode}");
        var streamId = response.Headers.GetValues("Mesos-Stream-Id").Single();
        // The first record is SUBSCRIBED, with the framework id.
        var reader = new Protocol.Http.RecordIOReader(await response.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(Wait);
        var first = await reader.ReadAsync(timeout.Token) ?? throw new InvalidOperationException("the stream ended before SUBSCRIBED");
        var id = JsonDocument.Parse(first).RootElement.GetProperty("subscribed").GetProperty("framework_id").GetProperty("value").GetString()!;
        return new Subscription(response, id, streamId);
    }

    private static async Task<string> AgentIdAsync(string agent)
    {
        var health = await Http.GetStringAsync($"http://{agent}/health");
        return JsonDocument.Parse(health).RootElement.GetProperty("id").GetString() ?? "unknown";
    }

    /// <summary>The sandboxes the agent's files endpoints serve, so that some fuzzed paths reach real files.</summary>
    private static async Task<IReadOnlyList<string>> FilePathsAsync(string agent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{agent}/files/debug");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await Http.SendAsync(request);
        var attached = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return [.. attached.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];
    }
}
