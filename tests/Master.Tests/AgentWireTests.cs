using Mesos.HA.Master.Agents;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Xunit;
using CoreKill = Mesos.HA.Master.Core.KillTask;

namespace Mesos.HA.Master.Tests;

/// <summary>The agent channel's messages as the core's inputs and its effects as messages, executors' included.</summary>
public sealed class AgentWireTests
{
    private static readonly AgentId A1 = new("a1");
    private static readonly FrameworkId F1 = new("f1");

    [Fact]
    public void LaunchWithACustomExecutor_CarriesItsSpecAndHealthCheck_ToTheAgent()
    {
        var check = new HealthCheckSpec(HealthCheckKind.Tcp, "", 9000, "", "");
        var launch = new TaskLaunch(new TaskId("t1"), "one", ResourceText.Parse("cpus:1"), "")
        {
            Executor = new ExecutorLaunch("e1", "exec", "./exec", ResourceText.Parse("cpus:0.5;mem:32")),
            HealthCheck = check,
        };
        var (agent, message) = AgentWire.MessageOf(new LaunchTask(A1, F1, "web", launch))!.Value;
        Assert.Equal(A1, agent);
        var run = Assert.IsType<RunTask>(message);
        Assert.Equal((new ExecutorSpec("e1", "exec", "./exec", "cpus:0.5;mem:32"), check, ""), (run.Executor, run.HealthCheck, run.Command));

        Assert.Equal(new ShutdownExecutor(F1, "e1"), AgentWire.MessageOf(new StopExecutor(A1, F1, "e1"))!.Value.Message);
        Assert.IsType<Protocol.Agent.KillTask>(AgentWire.MessageOf(new CoreKill(A1, F1, new TaskId("t1")))!.Value.Message);
        Assert.Null(AgentWire.MessageOf(new ExecutorLost(F1, A1, "e1", 0)));
    }

    [Fact]
    public void ExecutorsMessagesExitsAndUpdateDetails_BecomeTheCoresInputs()
    {
        var details = new UpdateDetails("e1", false, [1], "SOURCE_EXECUTOR");
        var update = Assert.IsType<AgentStatusUpdate>(AgentWire.InputOf(A1,
            new StatusUpdate(F1, new TaskId("t1"), TaskState.Starting, Guid.Empty, "m", "REASON_EXECUTOR_REGISTRATION_TIMEOUT", 0, details)));
        Assert.Equal((TaskState.Starting, "REASON_EXECUTOR_REGISTRATION_TIMEOUT", details), (update.State, update.Reason, update.Details));
        Assert.Equal(new ExecutorTerminated(A1, F1, "e1", 137), AgentWire.InputOf(A1, new ExecutorExited(F1, "e1", 137)));
        var message = Assert.IsType<ExecutorMessageReceived>(AgentWire.InputOf(A1, new ExecutorToFramework(F1, "e1", [7])));
        Assert.Equal("e1", message.Executor);
        Assert.Equal([7], message.Data);
        Assert.Null(AgentWire.InputOf(A1, new Ping(1)));
    }

    [Fact]
    public void Reregistration_BringsItsExecutors_AndUnreadableExecutorResourcesAreNamed()
    {
        var info = new AgentInfo(A1, "h", "10.0.0.1:5051", "cpus:4", new Dictionary<string, string>());
        var back = new ReregisterAgent(info, [], [new RunningExecutor(F1, "web", new ExecutorSpec("e1", "exec", "./exec", "cpus:0.5"))]);
        Assert.Null(AgentWire.BadResources(back));
        var input = AgentWire.Reregistering(info, back, inRegistry: true, wasUnreachable: false);
        Assert.Equal(new ReportedExecutor(F1, "web", new ExecutorLaunch("e1", "exec", "./exec", ResourceText.Parse("cpus:0.5"))), Assert.Single(input.Executors));
        Assert.Empty(AgentWire.Reregistering(info, back with { Executors = null }, true, false).Executors);

        var bad = back with { Executors = [new RunningExecutor(F1, "web", new ExecutorSpec("e1", "exec", "./exec", "cpus:lots"))] };
        Assert.NotNull(AgentWire.BadResources(bad));
    }
}
