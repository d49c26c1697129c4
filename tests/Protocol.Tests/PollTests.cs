using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Mesos.HA.Protocol.Tests;

/// <summary>The poll helper on a fake clock: no real time passes in these tests.</summary>
public class PollTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task UntilAsync_ReturnsOnceTheConditionHolds()
    {
        var asks = 0;
        await Poll.UntilAsync("third time lucky", () => ++asks == 3, TimeSpan.FromMinutes(1), interval: TimeSpan.Zero, time: time);
        Assert.Equal(3, asks);
    }

    [Fact]
    public async Task UntilAsync_OnTimeout_NamesThePhaseTheTimeoutAndWhatWasSeen()
    {
        var asks = 0;
        var e = await Assert.ThrowsAsync<TimeoutException>(() => Poll.UntilAsync("the agent registers",
            () => { asks++; time.Advance(TimeSpan.FromSeconds(1)); return false; },
            TimeSpan.FromSeconds(2.5), seen: () => $"{asks} asks", interval: TimeSpan.Zero, time: time));
        Assert.Equal("the agent registers: not reached within 2.5 s; seen: 3 asks", e.Message);
    }

    [Fact]
    public async Task UntilAsync_AsksAtLeastOnce_EvenWithAZeroTimeout()
    {
        var e = await Assert.ThrowsAsync<TimeoutException>(() => Poll.UntilAsync("never", () => false, TimeSpan.Zero, time: time));
        Assert.Equal("never: not reached within 0 ms", e.Message);
        await Poll.UntilAsync("already", () => true, TimeSpan.Zero, time: time);
    }

    [Fact]
    public async Task ForAsync_ReturnsTheFirstAnswer()
    {
        var asks = 0;
        var found = await Poll.ForAsync("a leader", () => Task.FromResult(++asks < 2 ? null : "m2"), TimeSpan.FromMinutes(1),
            interval: TimeSpan.Zero, time: time);
        Assert.Equal("m2", found);
    }

    [Fact]
    public async Task TryUntilAsync_SaysFalseInsteadOfThrowing()
    {
        Assert.False(await Poll.TryUntilAsync(() => { time.Advance(TimeSpan.FromSeconds(1)); return false; }, TimeSpan.FromSeconds(1),
            TimeSpan.Zero, time));
    }

    [Fact]
    public async Task WaitsTheIntervalOnTheGivenClock()
    {
        var asks = 0;
        var polling = Poll.UntilAsync("after one interval", () => ++asks == 2, TimeSpan.FromMinutes(1), interval: TimeSpan.FromSeconds(5), time: time);
        Assert.Equal(1, asks);
        Assert.False(polling.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(5));
        await polling;
        Assert.Equal(2, asks);
    }
}
