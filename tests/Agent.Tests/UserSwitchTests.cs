using Mesos.HA.Agent.Tasks;
using Xunit;

namespace Mesos.HA.Agent.Tests;

/// <summary>The user lookup through getpwnam, and whom a task runs as: its user when the agent is root and switches, else the agent's.</summary>
public sealed class UserSwitchTests
{
    private static readonly UnixUser Alice = new("alice", 1001, 1002);
    private static readonly UnixUser Bob = new("bob", 1003, 1003);

    private static UnixUser? Accounts(string name) => name switch
    {
        "alice" => Alice,
        "bob" => Bob,
        _ => null,
    };

    [Fact]
    public void Lookup_FindsRootAndNobody_AndNotAUserThatDoesNotExist()
    {
        Assert.Equal(new UnixUser("root", 0, 0), UserAccounts.Lookup("root"));
        var nobody = UserAccounts.Lookup("nobody");
        Assert.NotNull(nobody);
        Assert.NotEqual(0u, nobody.Value.Uid);
        Assert.Null(UserAccounts.Lookup("nosuchuser-" + Guid.NewGuid().ToString("N")[..8]));
        Assert.Null(UserAccounts.Lookup(""));
        Assert.Null(UserAccounts.Lookup("ro\0ot"));
    }

    [Fact]
    public void RootAndSwitching_RunsAsTheCommandsUser_ElseTheFrameworksUser()
    {
        var users = new UserSwitch(enabled: true, agentIsRoot: true, Accounts);
        Assert.True(users.Active);
        Assert.Equal(RunAs.Switched(Alice), users.Decide(null, "alice"));
        Assert.Equal(RunAs.Switched(Bob), users.Decide("bob", "alice"));
        Assert.Equal(RunAs.Switched(Alice), users.Decide("", "alice"));
    }

    [Fact]
    public void RootAndSwitching_AUserTheMachineDoesNotKnow_IsRefusedNamingTheUser()
    {
        var users = new UserSwitch(enabled: true, agentIsRoot: true, Accounts);
        var refused = users.Decide(null, "nosuchuser");
        Assert.Null(refused.User);
        Assert.Equal("user 'nosuchuser' does not exist on this agent", refused.Refusal);
        Assert.Equal("user 'carol' does not exist on this agent", users.Decide("carol", "alice").Refusal);
    }

    [Fact]
    public void RootAndSwitching_ALaunchNamingNoUser_KeepsTheAgentsUser()
    {
        var users = new UserSwitch(enabled: true, agentIsRoot: true, Accounts);
        Assert.Equal(RunAs.AgentUser, users.Decide(null, null));
        Assert.Equal(RunAs.AgentUser, users.Decide("", ""));
    }

    [Fact]
    public void NotRoot_TasksRunAsTheAgentsUser_AndNoUserIsLookedUp()
    {
        var users = new UserSwitch(enabled: true, agentIsRoot: false, _ => throw new InvalidOperationException("looked up"));
        Assert.False(users.Active);
        Assert.Equal(RunAs.AgentUser, users.Decide(null, "alice"));
        Assert.Equal(RunAs.AgentUser, users.Decide(null, "nosuchuser"));
        Assert.Contains("does not run as root", users.Describe());
    }

    [Fact]
    public void SwitchOff_TasksRunAsTheAgentsUser_EvenAsRoot()
    {
        var users = new UserSwitch(enabled: false, agentIsRoot: true, _ => throw new InvalidOperationException("looked up"));
        Assert.False(users.Active);
        Assert.Equal(RunAs.AgentUser, users.Decide("bob", "alice"));
        Assert.Contains("--switch-user is off", users.Describe());
    }
}
