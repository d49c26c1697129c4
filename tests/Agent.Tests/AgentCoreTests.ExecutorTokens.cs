using Mesos.HA.Agent.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Xunit;

namespace Mesos.HA.Agent.Tests;

/// <summary>An authenticated executor call speaks for one run of its executor: a token of an earlier run is refused before anything changes.</summary>
public partial class AgentCoreTests
{
    [Fact]
    public void AnExecutorCall_AuthenticatedForAnotherRun_Is403_AndTheRunsOwnIsSubscribed()
    {
        Handle(new LinkRegistered(A));
        var launch = new RunTask(F, new TaskId("t1"), "t1", "*", "cpus:1;mem:64", "", new ExecutorSpec("ex1", "ex", "sleep 60", "cpus:0.1;mem:32"));
        var run = core.Handle(new FromMaster(launch), T0).OfType<CreateExecutorRun>().Single().Checkpoint.RunId;
        var key = new ExecutorKey(F, "ex1");
        var subscribe = new SubscribeBody([], []);

        var stale = core.Handle(new ExecutorCallReceived(1, key, subscribe) { AuthenticatedRun = "an-earlier-run" }, T0);
        var refused = Assert.Single(stale.OfType<AnswerExecutorCall>());
        Assert.Equal((1L, 403), (refused.CallId, refused.Status));
        Assert.Contains("another run of executor ex1", refused.Error);
        Assert.DoesNotContain(stale, e => e is SendToExecutor);
        Assert.False(Assert.Single(core.Executors()).Subscribed);

        var own = core.Handle(new ExecutorCallReceived(2, key, subscribe) { AuthenticatedRun = run }, T0);
        Assert.Equal((2L, 200), own.OfType<AnswerExecutorCall>().Select(a => (a.CallId, a.Status)).Single());
        Assert.True(Assert.Single(core.Executors()).Subscribed);
    }
}
