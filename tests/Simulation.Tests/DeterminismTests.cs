using Xunit;

namespace Mesos.HA.Simulation.Tests;

public class DeterminismTests
{
    /// <summary>Same seed, same run, bit for bit: the digest of the history is the same, on any thread, and another seed differs.</summary>
    [Fact]
    public async Task SameSeed_GivesTheSameHistoryDigest_AnotherSeedDoesNot()
    {
        var options = new SimulationOptions { Seed = 424242 };
        var first = Simulation.Run(options);
        var second = await Task.Run(() => Simulation.Run(options));
        var other = Simulation.Run(options with { Seed = 424243 });
        Assert.Equal((first.Digest, first.Events, first.HistoryLines), (second.Digest, second.Events, second.HistoryLines));
        Assert.NotEqual(first.Digest, other.Digest);
        Assert.True(first.Passed, first.Summary());
        Assert.True(first.MaintenanceChanges > 0, $"the seed should change the maintenance schedule: {first.Summary()}");
    }
}
