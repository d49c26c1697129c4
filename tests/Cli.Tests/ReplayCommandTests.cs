using Mesos.HA.Protocol;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Cli.Tests;

/// <summary>
/// Masters started with <c>--record-inputs</c> journal each leadership's core inputs; <c>mesos-ha replay</c>
/// feeds them to a fresh core and finds every decision giving the effects the live leader gave, across
/// a leader killed for real.
/// </summary>
public sealed class ReplayCommandTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task RecordedLeaderships_OfARealCluster_ReplayToTheirEffects_AcrossAFailover()
    {
        var journals = Directory.CreateTempSubdirectory("mesos-ha-journals-");
        try
        {
            await using (var cluster = new ClusterHarness(3, output, "--record-inputs", journals.FullName))
            {
                var first = await cluster.LeaderAsync();
                await cluster.StartAgentAsync();
                await using var framework = await cluster.StartFrameworkAsync();
                await framework.LaunchAsync("before", "sleep 0.2", ClusterHarness.Deadline);
                await framework.WaitForStateAsync("before", "TASK_FINISHED", ClusterHarness.Deadline, "the task before the failover");
                first.SendKill();
                await Poll.UntilAsync("a new leader", async () => (await cluster.LeaderAsync()) != first, ClusterHarness.Deadline);
                await framework.LaunchAsync("after", "sleep 0.2", ClusterHarness.Deadline);
                await framework.WaitForStateAsync("after", "TASK_FINISHED", ClusterHarness.Deadline, "the task after the failover");
            }
            var files = journals.GetFiles("*.journal").Select(f => f.FullName).Order(StringComparer.Ordinal).ToArray();
            Assert.True(files.Length >= 2, $"a journal per leadership: {string.Join(", ", files)}");

            var replay = await CliRunner.RunAsync(Wait, ["replay", "--verbose", .. files]);
            output.WriteLine(string.Join('\n', replay.Out.Split('\n').Where(l => !l.StartsWith(' '))));
            Assert.True(replay.Exit == 0, $"exit {replay.Exit}: {replay.Err}");
            Assert.Equal(files.Length, replay.Out.Split('\n').Count(l => l.EndsWith("replays to the recorded effects", StringComparison.Ordinal)));
            Assert.Contains("LaunchTask(", replay.Out);
            Assert.Contains("/before on ", replay.Out);
            Assert.Contains("/after on ", replay.Out);

            // A journal cut mid-frame (the leader died while writing) replays up to the cut; garbage is refused.
            var torn = Path.Combine(journals.FullName, "torn.bin");
            var bytes = await File.ReadAllBytesAsync(files[0]);
            await File.WriteAllBytesAsync(torn, bytes[..^2]);
            Assert.Equal(0, (await CliRunner.RunAsync(Wait, "replay", torn)).Exit);
            var garbage = Path.Combine(journals.FullName, "garbage.bin");
            await File.WriteAllTextAsync(garbage, "not a journal at all");
            var refused = await CliRunner.RunAsync(Wait, "replay", garbage);
            Assert.Equal(2, refused.Exit);
            Assert.Contains("not a journal", refused.Err);
        }
        finally
        {
            journals.Delete(recursive: true);
        }
    }
}
