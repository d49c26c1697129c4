using Xunit;

namespace Mesos.HA.Chaos.Tests;

public sealed class FaultScheduleTests
{
    [Fact]
    public void EveryFaultTypeComesOnce_InTheFirstRounds_ThenSeededPicks()
    {
        string[] faults = ["a", "b", "c", "a"];
        var schedule = ClusterChaosTests.FaultSchedule(faults, 7, new Random(3));
        Assert.Equal(7, schedule.Length);
        Assert.Equal(["a", "b", "c"], schedule.Take(3).Order());
        Assert.All(schedule.Skip(3), f => Assert.Contains(f, faults));
        Assert.Equal(schedule, ClusterChaosTests.FaultSchedule(faults, 7, new Random(3))); // the seed replays it
    }

    [Fact]
    public void TooFewRoundsForEveryFaultType_IsRefused_SayingHowManyAreNeeded()
    {
        var error = Assert.Throws<ArgumentException>(() => ClusterChaosTests.FaultSchedule(["a", "b", "c"], 2, new Random(1)));
        Assert.Contains("CHAOS_ROUNDS >= 3", error.Message);
    }
}
