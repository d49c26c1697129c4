using Mesos.HA.Master.Operator;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>The failover phases one master can time: from losing its leader to knowing a newer one, and to leading itself.</summary>
public sealed class FailoverClockTests
{
    private readonly FakeTimeProvider time = new();
    private readonly FailoverClock clock;

    public FailoverClockTests() => clock = new FailoverClock(time);

    private long Now => time.GetTimestamp();

    [Fact]
    public void FirstLeaderAfterStartUp_IsNoFailover()
    {
        clock.LeaderLost(Now); // no leader known yet: nothing was lost
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(clock.LeaderKnown(term: 1, isLocal: false, Now));
        Assert.Null(clock.BecameLeader(term: 2, Now));
    }

    [Fact]
    public void FollowerLosesLeader_ARemoteLeaderOfANewerTerm_TimesTheElectionOnly()
    {
        clock.LeaderKnown(term: 1, isLocal: false, Now);
        clock.LeaderLost(Now);
        time.Advance(TimeSpan.FromMilliseconds(300));
        clock.LeaderLost(Now); // a second notice keeps the first moment
        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(TimeSpan.FromMilliseconds(500), clock.LeaderKnown(term: 2, isLocal: false, Now));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(clock.BecameLeader(term: 3, Now)); // leading later, without a loss in between, ends no failover
    }

    [Fact]
    public void FollowerLosesLeader_AndWins_TimesTheElectionAndItsLeading()
    {
        clock.LeaderKnown(term: 4, isLocal: false, Now);
        clock.LeaderLost(Now);
        time.Advance(TimeSpan.FromMilliseconds(250));
        Assert.Equal(TimeSpan.FromMilliseconds(250), clock.LeaderKnown(term: 5, isLocal: true, Now));
        time.Advance(TimeSpan.FromMilliseconds(40));
        Assert.Equal(TimeSpan.FromMilliseconds(290), clock.BecameLeader(term: 5, Now));
    }

    [Fact]
    public void SameLeaderComesBack_InItsTerm_EndsTheLossWithoutAMeasurement()
    {
        clock.LeaderKnown(term: 3, isLocal: false, Now);
        clock.LeaderLost(Now);
        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Null(clock.LeaderKnown(term: 3, isLocal: false, Now));
        time.Advance(TimeSpan.FromSeconds(5));
        clock.LeaderLost(Now);
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(TimeSpan.FromMilliseconds(100), clock.LeaderKnown(term: 4, isLocal: false, Now)); // timed from the second loss
    }

    [Fact]
    public void LeaderStepsDown_AndIsElectedAgain_TimesItsOwnFailover()
    {
        clock.LeaderKnown(term: 2, isLocal: true, Now);
        Assert.Null(clock.BecameLeader(term: 2, Now));
        clock.LeaderLost(Now);
        time.Advance(TimeSpan.FromMilliseconds(700));
        Assert.Equal(TimeSpan.FromMilliseconds(700), clock.LeaderKnown(term: 3, isLocal: true, Now));
        time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(TimeSpan.FromMilliseconds(710), clock.BecameLeader(term: 3, Now));
    }

    [Fact]
    public void ElectedButNeverServed_ThenARemoteLeader_TimesTheElectionOnce()
    {
        clock.LeaderKnown(term: 1, isLocal: false, Now);
        clock.LeaderLost(Now);
        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(TimeSpan.FromMilliseconds(200), clock.LeaderKnown(term: 2, isLocal: true, Now));
        clock.LeaderLost(Now); // deposed before its first entry committed: the outage goes on
        time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Null(clock.LeaderKnown(term: 3, isLocal: false, Now));
        Assert.Null(clock.BecameLeader(term: 4, Now));
    }
}
