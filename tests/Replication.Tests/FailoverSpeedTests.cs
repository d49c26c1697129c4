using Mesos.HA.Protocol;
using System.Diagnostics;
using System.Text.Json;
using Mesos.HA.Cli.Local;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Replication.Tests;

/// <summary>
/// A paused leader is replaced about as fast as a killed one, and every master counts the elections it
/// sees by cause. Bounds are generous for a noisy shared machine; the speed targets are the bench's.
/// </summary>
[Collection("processes")]
public sealed class FailoverSpeedTests(ITestOutputHelper output)
{
    /// <summary>Well above the ~0.5 s the bench measures, well below the ~1.3-6 s a pre-vote waiting on the paused leader took.</summary>
    private static readonly TimeSpan PausedLeaderBound = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task PausedLeader_NewLeaderCommitsAWrite_WithinThreeSeconds()
    {
        using var h = new GroupHarness(3, output);
        await h.WriteManyAsync("warm", 3);
        for (var round = 1; round <= 2; round++)
        {
            var paused = await h.LeaderAsync();
            await h.ConvergeAsync();
            var others = h.Masters.Where(m => m != paused).ToArray();
            var clock = Stopwatch.StartNew();
            paused.Pause();
            try
            {
                await h.PollAsync($"round {round}: a survivor commits a write after m{paused.Id} is paused", async () =>
                {
                    foreach (var m in others)
                        if (await MasterGroup.TryWriteWeightAsync(m, $"after-pause-{round}", 3, TimeSpan.FromMilliseconds(500)) == 200) return m;
                    return null;
                }, TimeSpan.FromSeconds(30));
                output.WriteLine($"round {round}: paused m{paused.Id}; a write committed after {clock.Elapsed.TotalMilliseconds:F0} ms");
                Assert.True(clock.Elapsed < PausedLeaderBound, $"round {round}: the write committed {clock.Elapsed.TotalMilliseconds:F0} ms after the pause");
            }
            finally
            {
                paused.Resume();
            }
        }
        await h.ConvergeAsync();
    }

    [Fact]
    public async Task Elections_AreCountedByCause_InTheMetrics()
    {
        using var h = new GroupHarness(3, output);
        var leader = await h.LeaderAsync();
        var before = new Dictionary<int, double>();
        foreach (var m in h.Masters)
        {
            // Start-up on a loaded machine may itself see a spurious election (counted as a timeout),
            // so the kill is judged by the increase it causes.
            var metrics = await h.PollAsync($"m{m.Id} reports its start-up election", async () =>
                await MetricsAsync(m) is { } mm && mm.GetValueOrDefault("master/elections_startup") == 1 ? mm : null);
            Assert.Equal(0, metrics["master/elections_step_down"]);
            Assert.Equal(metrics["master/elections_total"],
                metrics["master/elections_startup"] + metrics["master/elections_timeout"] + metrics["master/elections_step_down"]);
            before[m.Id] = metrics["master/elections_timeout"];
        }
        leader = await h.LeaderAsync();

        leader.Kill();
        foreach (var m in h.Masters.Where(m => m != leader))
            await h.PollAsync($"m{m.Id} counts the election after the kill as a timeout", async () =>
                await MetricsAsync(m) is { } mm && mm.GetValueOrDefault("master/elections_timeout") > before[m.Id] ? mm : null);
        var survivor = h.Masters.First(m => m != leader);
        using var prometheus = await MasterProcess.Client.GetAsync($"http://{survivor.HttpAddress}/metrics");
        var text = await prometheus.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE mesos_ha_master_elections_total counter", text);
        Assert.Contains("mesos_ha_master_elections_total{cause=\"timeout\"} ", text);
        Assert.Contains("mesos_ha_master_candidacies_total ", text);
    }

    private static async Task<Dictionary<string, double>?> MetricsAsync(MasterProcess master)
    {
        try
        {
            using var json = JsonDocument.Parse(await MasterProcess.Client.GetStringAsync($"http://{master.HttpAddress}/metrics/snapshot"));
            return json.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        }
        catch (Exception e) when (NoAnswer.OrUnreadable(e))
        {
            return null;
        }
    }
}
