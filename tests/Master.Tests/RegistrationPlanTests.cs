using Mesos.HA.Master.Agents;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Replication.Registry;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>What a leader makes of a (re-)registration, from the message and the registry alone.</summary>
public class RegistrationPlanTests
{
    private const string Token = "0123456789abcdef0123456789abcdef-agent-token";
    private static readonly IReadOnlyDictionary<string, string> NoAttributes = new Dictionary<string, string>();
    private static readonly AgentId Random = new("random-S0");

    private static RegisterAgent Fresh(string? token = Token, string resources = "cpus:2;mem:512") =>
        new("host-a", resources, NoAttributes, 5051, token);

    private static RegistrationPlan Plan(AgentMessage registration, Registry registry) =>
        RegistrationPlan.Of(registration, port => $"10.0.0.1:{port}", registry, () => Random);

    private static Registry With(Registry registry, RegistryCommand command) => registry.Apply(command).Next;

    [Fact]
    public void AFirstRegistration_WithAToken_GetsTheIdDerivedFromIt_TheSameOnEveryAttempt()
    {
        var first = Assert.IsType<RegistrationPlan.Proceed>(Plan(Fresh(), Registry.Empty));
        var second = Assert.IsType<RegistrationPlan.Proceed>(Plan(Fresh(), Registry.Empty));
        Assert.Equal(first.Info.Id, second.Info.Id);
        Assert.Equal(RegistrationPlan.IdOf(Token), first.Info.Id);
        Assert.DoesNotContain(Token, first.Info.Id.Value); // the id is public; the token stays the agent's secret
        Assert.Matches("^[0-9a-f]{32}-S0$", first.Info.Id.Value);
        Assert.Equal("10.0.0.1:5051", first.Info.Endpoint);
        Assert.Equal(new AgentRegistering(first.Info), first.Input);
        Assert.False(first.Again);
        Assert.NotEqual(first.Info.Id, Assert.IsType<RegistrationPlan.Proceed>(Plan(Fresh(Token + "x"), Registry.Empty)).Info.Id);
    }

    [Fact]
    public void AFirstRegistration_WithoutAToken_GetsAFreshId()
    {
        Assert.Equal(Random, Assert.IsType<RegistrationPlan.Proceed>(Plan(Fresh(token: null), Registry.Empty)).Info.Id);
    }

    [Fact]
    public void ARetriedRegistration_WhoseAdmissionCommitted_ComesBackAsAReregistrationWithNoTasks()
    {
        var id = RegistrationPlan.IdOf(Token);
        var admitted = Assert.IsType<RegistrationPlan.Proceed>(Plan(Fresh(), Registry.Empty)).Info;
        var registry = With(Registry.Empty, new AdmitAgent(admitted, 1));

        var retried = Assert.IsType<RegistrationPlan.Proceed>(Plan(Fresh(), registry));
        Assert.True(retried.Again);
        var input = Assert.IsType<AgentReregistering>(retried.Input);
        Assert.Equal(id, input.Info.Id);
        Assert.Empty(input.Running);
        Assert.True(input.InRegistry);
        Assert.False(input.WasUnreachable);

        // Marked unreachable meanwhile (it never held a session): readmitted like any agent coming back.
        var unreachable = With(registry, new MarkAgentUnreachable(id, 2));
        Assert.True(Assert.IsType<AgentReregistering>(Assert.IsType<RegistrationPlan.Proceed>(Plan(Fresh(), unreachable)).Input).WasUnreachable);

        // Declared gone meanwhile: told to shut down, as a re-registration would be.
        var gone = With(unreachable, new MarkAgentGone(id, 3));
        Assert.Equal(id, Assert.IsType<RegistrationPlan.ShutDown>(Plan(Fresh(), gone)).Agent);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("0123456789abcdef0123456789abcdef with spaces")]
    [InlineData("0123456789abcdef0123456789abcdef/slash")]
    public void AMalformedToken_IsRefused_AndChangesNothing(string token)
    {
        Assert.Contains("bad registration token", Assert.IsType<RegistrationPlan.Refuse>(Plan(Fresh(token), Registry.Empty)).Reason);
        Assert.IsType<RegistrationPlan.Refuse>(Plan(Fresh(new string('a', 129)), Registry.Empty));
    }

    [Fact]
    public void BadResources_AreRefused_BeforeAnyIdIsDrawn()
    {
        var drawn = 0;
        var plan = RegistrationPlan.Of(Fresh(resources: "cpus:lots"), p => $"10.0.0.1:{p}", Registry.Empty, () => { drawn++; return Random; });
        Assert.StartsWith("bad resources", Assert.IsType<RegistrationPlan.Refuse>(plan).Reason);
        Assert.Equal(0, drawn);
    }

    [Fact]
    public void AnythingButARegistration_IsRefused()
    {
        Assert.IsType<RegistrationPlan.Refuse>(Plan(new Ping(1), Registry.Empty));
    }
}
