using Mesos.HA.Master.Http;
using Mesos.HA.Replication;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>What a master with <c>--forward-to-leader</c> decides for one request (<see cref="ForwardDecision.Decide"/>).</summary>
public sealed class ForwardDecisionTests
{
    private static readonly LeaderInfo Remote = new("10.0.0.2:7001", "10.0.0.2:5050", IsLocal: false);
    private static readonly LeaderInfo Local = new("10.0.0.1:7001", "10.0.0.1:5050", IsLocal: true);
    private static readonly LeaderInfo Learning = new("10.0.0.2:7001", "", IsLocal: false);

    private static ForwardDecision Follower(string method, string path, bool localRead = false, bool forwarded = false, LeaderInfo? leader = null) =>
        ForwardDecision.Decide(method, path, localRead, forwarded, leading: false, leader ?? Remote);

    [Theory]
    [InlineData("POST", "/api/v1/scheduler")]
    [InlineData("POST", "/api/v1")]
    [InlineData("POST", "/api/v1/")]
    [InlineData("POST", "/API/V1/Scheduler")]
    [InlineData("GET", "/maintenance/schedule")]
    [InlineData("POST", "/maintenance/schedule")]
    [InlineData("GET", "/maintenance/status")]
    [InlineData("POST", "/machine/down")]
    [InlineData("POST", "/machine/up")]
    [InlineData("POST", "/teardown")]
    [InlineData("POST", "/master/teardown")]
    [InlineData("GET", "/master/weights")]
    [InlineData("PUT", "/master/weights")]
    [InlineData("POST", "/bench/replication")]
    public void Follower_ForwardsWhatOnlyTheLeaderAnswers_ToTheLeadersHttpAddress(string method, string path) =>
        Assert.Equal(new ForwardDecision(ForwardDecision.Kind.Forward, "10.0.0.2:5050"), Follower(method, path));

    [Theory]
    [InlineData("GET", "/health")]
    [InlineData("GET", "/master/redirect")]
    [InlineData("GET", "/")]
    [InlineData("GET", "/master/state")]
    [InlineData("GET", "/state.json")]
    [InlineData("GET", "/master/overview")]
    [InlineData("GET", "/metrics/snapshot")]
    [InlineData("GET", "/metrics")]
    [InlineData("GET", "/master/members")]
    [InlineData("POST", "/master/members")]
    [InlineData("DELETE", "/master/members")]
    [InlineData("POST", "/master/step-down")]
    [InlineData("GET", "/api/v1/agent")]
    [InlineData("GET", "/api/v1")]
    [InlineData("GET", "/api/v1/scheduler")]
    [InlineData("GET", "/machine/down")]
    [InlineData("POST", "/maintenance/status")]
    [InlineData("DELETE", "/master/weights")]
    [InlineData("POST", "/api/v1/scheduler/x")]
    public void Follower_ServesWhatItAnswersFromItsOwnState_AndWhatNeedsNoLeader(string method, string path) =>
        Assert.Equal(ForwardDecision.Serve, Follower(method, path));

    [Fact]
    public void LocalReadOfWeights_IsServedByTheFollower_ButALocalFlagOnAWrite_IsNot()
    {
        Assert.Equal(ForwardDecision.Serve, Follower("GET", "/master/weights", localRead: true));
        Assert.Equal(ForwardDecision.Kind.Forward, Follower("PUT", "/master/weights", localRead: true).Action);
        Assert.Equal(ForwardDecision.Kind.Forward, Follower("POST", "/api/v1", localRead: true).Action);
    }

    [Fact]
    public void ForwardedRequest_IsNeverForwardedAgain_EvenByAFollowerThatKnowsTheLeader()
    {
        Assert.Equal(ForwardDecision.Serve, Follower("POST", "/api/v1/scheduler", forwarded: true));
        Assert.Equal(ForwardDecision.Serve, ForwardDecision.Decide("POST", "/api/v1", false, forwarded: true, leading: false, leader: null));
    }

    [Fact]
    public void Leader_ServesItsOwnRequests()
    {
        Assert.Equal(ForwardDecision.Serve, ForwardDecision.Decide("POST", "/api/v1/scheduler", false, false, leading: true, Local));
        Assert.Equal(ForwardDecision.Serve, ForwardDecision.Decide("POST", "/api/v1/scheduler", false, false, leading: true, Remote));
        Assert.Equal(ForwardDecision.Serve, ForwardDecision.Decide("POST", "/api/v1", false, false, leading: true, null));
    }

    [Fact]
    public void MasterNamedLeaderThatDoesNotLead_JustSteppedDownOrJustElected_WaitsToLearnWhoLeads()
    {
        // Served at once, the endpoint would answer 307 to whoever it learns of next: a client behind a load balancer may not reach it.
        Assert.Equal(ForwardDecision.AwaitLeader, ForwardDecision.Decide("POST", "/api/v1/scheduler", false, false, leading: false, Local));
    }

    [Fact]
    public void NoLeaderKnown_OrItsAddressNotLearnedYet_WaitsForOne_ButOnlyForWhatNeedsTheLeader()
    {
        Assert.Equal(ForwardDecision.AwaitLeader, ForwardDecision.Decide("POST", "/api/v1/scheduler", false, false, leading: false, null));
        Assert.Equal(ForwardDecision.AwaitLeader, Follower("POST", "/api/v1", leader: Learning));
        Assert.Equal(ForwardDecision.Serve, ForwardDecision.Decide("GET", "/health", false, false, leading: false, null));
    }
}
