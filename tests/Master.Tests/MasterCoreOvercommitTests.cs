using Mesos.HA.Master.Allocation;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>
/// The core never hands out more of an agent than the agent has (offers plus live tasks within its
/// total), whatever order failovers, re-registrations and resent status updates come in.
/// </summary>
public class MasterCoreOvercommitTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 0, 14, 46, TimeSpan.Zero);
    private static readonly FrameworkId F1 = new("f1");
    private static readonly AgentId A1 = new("a1");
    private static readonly TaskId T1 = new("t1"), T2 = new("t2");
    private static readonly IReadOnlyDictionary<string, double> NoWeights = new Dictionary<string, double>();
    private static readonly IReadOnlyDictionary<string, RoleQuota> NoQuotas = new Dictionary<string, RoleQuota>();
    private static Resources R(string text) => ResourceText.Parse(text);

    private static readonly AgentInfo Agent =
        new(A1, "h", "127.0.0.1:5051", "cpus:4;mem:1024;disk:1024;ports:[31000-31099]", new Dictionary<string, string>());

    /// <summary>A new leader (term 16) that recovered F1 and to which A1 re-registered with <paramref name="reported"/>.</summary>
    private static MasterCore NewLeaderWith(params ReportedTask[] reported)
    {
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "t16" });
        core.StartReregistrationWindow([A1], TimeSpan.FromSeconds(10), T0);
        core.RecoverFramework(F1, ["web"], partitionAware: true, TimeSpan.FromMinutes(1), disconnectedAt: null, T0);
        core.ReconnectFramework(F1, T0);
        core.ReregisterAgent(Agent, reported, wasUnreachable: false, T0);
        return core;
    }

    /// <summary>
    /// Chaos seed 4633570 (term 16): short tasks finish while the leader changes, so the agent
    /// re-registers with tasks whose latest state is TASK_FINISHED while the oldest update it has not
    /// had acknowledged (the one it resends first) is still TASK_RUNNING. The new leader frees their
    /// resources and offers them; the resent TASK_RUNNING then brought the tasks back to life and the
    /// next periodic pass threw "cannot take cpus:4.2;...mem:1056 from cpus:4;...mem:1024".
    /// </summary>
    [Fact]
    public void NewLeader_StaleRunningUpdateOfATaskTheAgentReportedFinished_DoesNotReviveItsResources()
    {
        var perTask = R("cpus:0.1;mem:16");
        var core = NewLeaderWith(new ReportedTask(T1, F1, "web", perTask, TaskState.Finished), new ReportedTask(T2, F1, "web", perTask, TaskState.Finished));

        var offer = core.Allocate(NoWeights, NoQuotas, T0).OfType<SendOffers>().Single().Offers.Single();
        Assert.Equal(R(Agent.Resources), offer.Resources); // finished tasks hold nothing

        // The agent resends the head of each task's update stream: TASK_RUNNING, never acknowledged.
        Guid running1 = Guid.NewGuid(), running2 = Guid.NewGuid();
        var forwarded1 = Assert.IsType<ForwardUpdate>(Assert.Single(core.StatusUpdate(A1, F1, T1, TaskState.Running, running1, "")));
        var forwarded2 = Assert.IsType<ForwardUpdate>(Assert.Single(core.StatusUpdate(A1, F1, T2, TaskState.Running, running2, "")));
        Assert.Equal((TaskState.Running, TaskState.Running), (forwarded1.State, forwarded2.State)); // the framework still hears them, in order

        Assert.All(core.Tasks, t => Assert.Equal(TaskState.Finished, t.State));
        Assert.Equal(Resources.Empty, core.AvailableOn(A1));
        Assert.Empty(core.Allocate(NoWeights, NoQuotas, T0.AddSeconds(1))); // the periodic pass: nothing more to offer, no throw
        var view = Assert.Single(core.View().Agents);
        Assert.True(view.Total.Contains(view.Used.Add(view.Offered)), $"{view.Used} used + {view.Offered} offered > {view.Total}");
    }

    /// <summary>
    /// The core keeps what agents have given out as running sums; ranges cannot be summed both ways
    /// (two tasks an agent reports on one port share it), so when one of them ends the other still
    /// holds the port and it is not offered.
    /// </summary>
    [Fact]
    public void TwoTasksReportedOnOnePort_OneEnds_ThePortStaysHeldByTheOther()
    {
        var onPort = R("cpus:1;mem:16;ports:[31000-31000]");
        var core = NewLeaderWith(new ReportedTask(T1, F1, "web", onPort, TaskState.Running), new ReportedTask(T2, F1, "web", onPort, TaskState.Running));

        core.StatusUpdate(A1, F1, T1, TaskState.Finished, Guid.NewGuid(), "");

        var offer = core.Allocate(NoWeights, NoQuotas, T0).OfType<SendOffers>().Single().Offers.Single();
        Assert.Equal(R("cpus:3;mem:1008;disk:1024;ports:[31001-31099]"), offer.Resources);
    }

    /// <summary>
    /// An agent reconnecting to the same leader reports a task the leader did not count (its launch
    /// raced the previous re-registration and was dropped): the offers cut from the old view go.
    /// </summary>
    [Fact]
    public void ReregisteringAgent_ReportingATaskTheLeaderDidNotCount_HasItsOutstandingOffersRescinded()
    {
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "t16" });
        core.AddFramework(F1, ["web"]);
        core.Handle(new RegistryWriteCommitted(Assert.Single(core.RegisterAgent(Agent, T0)).As<ProposeRegistry>().Command), T0);
        var offer = core.Allocate(NoWeights, NoQuotas, T0).OfType<SendOffers>().Single().Offers.Single();

        var effects = core.ReregisterAgent(Agent, [new ReportedTask(T1, F1, "web", R("cpus:0.1;mem:16"), TaskState.Running)],
            wasUnreachable: false, T0.AddSeconds(1));

        Assert.Equal(new RescindOffer(F1, offer.Id), Assert.Single(effects));
        Assert.Empty(core.Offers);
        var again = core.Allocate(NoWeights, NoQuotas, T0.AddSeconds(1)).OfType<SendOffers>().Single().Offers.Single();
        Assert.Equal(R(Agent.Resources).Subtract(R("cpus:0.1;mem:16")), again.Resources);
    }

    /// <summary>
    /// An agent that comes back running more than its total (restarted with fewer resources) is a
    /// fact the master must count, not a reason to stop the periodic pass: it offers nothing from
    /// that agent, reports it once, and keeps allocating the other agents.
    /// </summary>
    [Fact]
    public void AgentHoldingMoreThanItsTotal_IsReportedOnce_OffersNothing_AndOtherAgentsStillGetOffers()
    {
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "t16" });
        core.AddFramework(F1, ["web"]);
        core.ReregisterAgent(Agent with { Resources = "cpus:1;mem:64" },
            [new ReportedTask(T1, F1, "web", R("cpus:2;mem:32"), TaskState.Running)], wasUnreachable: false, T0);
        core.AddAgent(new AgentId("a2"), R("cpus:1;mem:64"), T0);

        var first = core.Allocate(NoWeights, NoQuotas, T0);
        var over = Assert.IsType<AgentOvercommitted>(first[0]);
        Assert.Equal((A1, R("cpus:1;mem:64"), R("cpus:2;mem:32")), (over.Agent, over.Total, over.Held));
        Assert.Equal(new AgentId("a2"), Assert.IsType<SendOffers>(Assert.Single(first.Skip(1))).Offers.Single().Agent);
        Assert.Empty(core.Allocate(NoWeights, NoQuotas, T0.AddSeconds(1))); // reported once, not every pass

        core.StatusUpdate(A1, F1, T1, TaskState.Finished, Guid.NewGuid(), ""); // back within its total
        Assert.Equal(A1, Assert.IsType<SendOffers>(Assert.Single(core.Allocate(NoWeights, NoQuotas, T0.AddSeconds(2)))).Offers.Single().Agent);
    }
}
