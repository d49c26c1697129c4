using Mesos.HA.Replication;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Simulation.Tests;

/// <summary>
/// The simulator finds bugs: each test switches one known bug on in the real code the simulator runs
/// (the master's ordered sender, its core) and asserts some seed among the first few breaks an invariant.
/// </summary>
public class InjectedBugTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(InjectedBugs.DropRegistryCommits, "healing reached liveness")]
    [InlineData(InjectedBugs.DropTerminalUpdates, "the framework heard how each task ended on its agent")]
    public void InjectedBug_IsCaught_WithinFiveSeeds(InjectedBugs bug, string invariant)
    {
        for (var seed = 1; seed <= 5; seed++)
        {
            var report = Simulation.Run(new SimulationOptions { Seed = seed, Bugs = bug });
            if (report.Passed) continue;
            output.WriteLine(report.Summary());
            Assert.Contains(report.Failures, f => f.Invariant == invariant);
            return;
        }
        Assert.Fail($"{bug} went unnoticed over 5 seeds");
    }
}
