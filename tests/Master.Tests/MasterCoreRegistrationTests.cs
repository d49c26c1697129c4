using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Xunit;

namespace Mesos.HA.Master.Tests;

public class MasterCoreRegistrationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static MasterCore Core() => new(new MasterCoreOptions { OfferIdPrefix = "t3" });

    private static AgentInfo Agent(string id) =>
        new(new AgentId(id), $"host-{id}", "10.0.0.1:5051", "cpus:2;mem:512", new Dictionary<string, string>());

    private static FrameworkInfo Info(params string[] capabilities) => new("fw", "root", ["web"], capabilities, null, null, null);

    [Fact]
    public void FirstRegistration_AdmitsTheAgentToTheRegistry()
    {
        var core = Core();
        var admit = Assert.IsType<AdmitAgent>(Assert.Single(core.RegisterAgent(Agent("a1"), T0)).As<ProposeRegistry>().Command);
        Assert.Equal("a1", admit.Info.Id.Value);
        Assert.Equal(ResourceText.Parse("cpus:2;mem:512"), core.AvailableOn(new AgentId("a1")));
        Assert.Empty(core.RegisterAgent(Agent("a1"), T0)); // a repeated registration changes nothing
    }

    [Fact]
    public void AfterFailover_AgentsThatDoNotComeBackInTheWindow_AreMarkedUnreachable()
    {
        var core = Core();
        core.StartReregistrationWindow([new AgentId("a1"), new AgentId("a2")], TimeSpan.FromSeconds(60), T0);
        Assert.Empty(core.ReregisterAgent(Agent("a1"), [], wasUnreachable: false, T0.AddSeconds(3)));
        Assert.Empty(core.CheckReregistration(T0.AddSeconds(59)));
        var marked = Assert.Single(core.CheckReregistration(T0.AddSeconds(60))).As<ProposeRegistry>().Command;
        Assert.Equal(new AgentId("a2"), Assert.IsType<MarkAgentUnreachable>(marked).AgentId);
        Assert.Empty(core.CheckReregistration(T0.AddSeconds(120)));
    }

    [Fact]
    public void UnreachableAgentComingBack_IsReadmitted_WithItsTasks()
    {
        var core = Core();
        core.AddFramework(new FrameworkId("f1"), ["web"]);
        var task = new ReportedTask(new TaskId("t1"), new FrameworkId("f1"), "web", ResourceText.Parse("cpus:1"), TaskState.Running);
        var effects = core.ReregisterAgent(Agent("a1"), [task], wasUnreachable: true, T0);
        Assert.IsType<ReadmitAgent>(Assert.Single(effects).As<ProposeRegistry>().Command);
        Assert.Equal(TaskState.Running, Assert.Single(core.Tasks).State);
    }

    [Fact]
    public void Subscribe_NewFrameworkIsAdded_KnownOneIsReconnected()
    {
        var core = Core();
        var id = new FrameworkId("f1");
        var add = Assert.IsType<AddFramework>(Assert.Single(core.Subscribe(id, Info("PARTITION_AWARE"), TimeSpan.FromMinutes(1), known: false, T0))
            .As<ProposeRegistry>().Command);
        Assert.Equal(60_000, add.FailoverTimeoutMs);
        core.DisconnectFramework(id, T0.AddSeconds(1));
        var again = core.Subscribe(id, Info("PARTITION_AWARE"), TimeSpan.FromMinutes(1), known: true, T0.AddSeconds(2));
        Assert.Equal(FrameworkConnectionChange.Connected,
            Assert.IsType<UpdateFramework>(Assert.Single(again).As<ProposeRegistry>().Command).Connection);
    }
}

internal static class EffectCasts
{
    public static T As<T>(this Effect effect) where T : Effect => Assert.IsType<T>(effect);
}
