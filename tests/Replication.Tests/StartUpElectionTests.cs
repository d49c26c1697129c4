using Mesos.HA.Protocol;
using System.Text.Json;
using Mesos.HA.Cli.Local;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Replication.Tests;

/// <summary>
/// A fresh group elects once and keeps that leader: no timeout election, no resign, in the first
/// seconds after start. Before the start-up warm-up, 1 start in 3 on a loaded 2-core machine saw a
/// second (or third) election while the new leader's first rounds were slow. One of the starts may
/// still see one (the machine is shared), not most.
/// </summary>
[Collection("processes")]
public sealed class StartUpElectionTests(ITestOutputHelper output)
{
    private const int Starts = 3;

    /// <summary>How long the group must keep its first leader after it is agreed on (the lease settling period and more).</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task FreshGroup_ElectsOnce_AndKeepsItsFirstLeader()
    {
        var spurious = new List<string>();
        for (var start = 1; start <= Starts; start++)
        {
            using var h = new GroupHarness(3, output);
            var leader = await h.LeaderAsync();
            var first = await leader.TryStatusAsync();
            var until = DateTime.UtcNow + Settle;
            Dictionary<string, double>[] metrics;
            do
            {
                await Task.Delay(100);
                metrics = await Task.WhenAll(h.Masters.Select(MetricsAsync));
            }
            while (DateTime.UtcNow < until && metrics.All(m => m.GetValueOrDefault("master/elections_timeout") == 0));
            var timeouts = metrics.Max(m => m.GetValueOrDefault("master/elections_timeout"));
            var stepDowns = metrics.Max(m => m.GetValueOrDefault("master/elections_step_down"));
            var candidacies = metrics.Sum(m => m.GetValueOrDefault("master/candidacies"));
            output.WriteLine($"start {start}: m{leader.Id} leads term {first?.Term}; timeout elections {timeouts}, step-downs {stepDowns}, candidacies {candidacies}");
            Assert.Equal(0, stepDowns);
            if (timeouts > 0) spurious.Add($"start {start}: {timeouts} timeout election(s), {candidacies} candidacies");
        }
        Assert.True(spurious.Count <= 1, "spurious start-up elections in more than one start: " + string.Join("; ", spurious));
    }

    private static async Task<Dictionary<string, double>> MetricsAsync(MasterProcess master)
    {
        try
        {
            using var json = JsonDocument.Parse(await MasterProcess.Client.GetStringAsync($"http://{master.HttpAddress}/metrics/snapshot"));
            return json.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        }
        catch (Exception e) when (NoAnswer.OrUnreadable(e))
        {
            return [];
        }
    }
}
