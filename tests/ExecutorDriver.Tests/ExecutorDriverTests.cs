using System.Net;
using System.Text;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Http.V1;
using Xunit;
using TaskStatus = Mesos.HA.Protocol.Http.V1.TaskStatus;

namespace Mesos.HA.ExecutorDriver.Tests;

/// <summary>The driver against a fake agent over real HTTP on 127.0.0.1.</summary>
public class ExecutorDriverTests
{
    [Fact]
    public async Task Subscribe_AgentAcceptsThenLaunches_RegisteredThenLaunchTaskInStreamOrder()
    {
        await using var f = await DriverFixture.StartAsync();
        f.Agent.Send(DriverFixture.Launch("t1"));
        f.Agent.Send(DriverFixture.Launch("t2"));
        f.Agent.Send(new ExecutorEvent { Type = ExecutorEvent.HeartbeatType });
        f.Agent.Send(new ExecutorEvent { Type = ExecutorEvent.KillType, Kill = new ExecutorKillEvent { TaskId = Id.Of("t1") } });
        await f.WaitForCallbackAsync("KillTask t1");

        Assert.Equal(["Registered executor-1 framework-1 agent-1", "LaunchTask t1", "LaunchTask t2", "KillTask t1"], f.Executor.Seen);
        Assert.False(f.Executor.Overlapped);
        var subscribe = Assert.Single(f.Agent.CallsOf(ExecutorCall.SubscribeType));
        Assert.Equal(DriverFixture.FrameworkId, subscribe.FrameworkId?.Value);
        Assert.Equal(DriverFixture.ExecutorId, subscribe.ExecutorId?.Value);
        Assert.Empty(subscribe.Subscribe?.UnacknowledgedTasks ?? []);
        Assert.Equal("application/json; charset=utf-8|application/json", Assert.Single(f.Agent.SubscribeContentTypes));
        Assert.Equal(["t1", "t2"], f.Driver.UnacknowledgedTasks.Select(t => t.TaskId?.Value));
    }

    [Fact]
    public async Task WithAnAuthenticationToken_EveryCallCarriesItAsABearerToken()
    {
        await using var f = await DriverFixture.StartAsync(adjust: s => s with { AuthenticationToken = "executor-token" });
        f.Agent.Send(DriverFixture.Launch("t1"));
        await f.WaitForCallbackAsync("LaunchTask t1");
        f.Driver.SendStatusUpdate(DriverFixture.Running("t1"));
        await f.WaitForAsync("update sent", () => f.Agent.CallsOf(ExecutorCall.UpdateType).Count == 1);

        Assert.True(f.Agent.Authorizations.Count >= 2, $"calls seen: {f.Agent.Authorizations.Count}"); // SUBSCRIBE and UPDATE at least
        Assert.All(f.Agent.Authorizations, a => Assert.Equal("Bearer executor-token", a));
        Assert.DoesNotContain("executor-token", f.Driver.ToString() + new ExecutorDriverSettings
        {
            FrameworkId = "f", ExecutorId = "e", AgentEndpoint = "127.0.0.1:1", AuthenticationToken = "executor-token",
        });
    }

    [Fact]
    public async Task WithoutAToken_CallsCarryNoAuthorization()
    {
        await using var f = await DriverFixture.StartAsync();
        Assert.NotEmpty(f.Agent.Authorizations);
        Assert.All(f.Agent.Authorizations, a => Assert.Equal("", a));
    }

    [Fact]
    public async Task SendStatusUpdate_AgentAcknowledges_UpdateCarriesUuidAndSourceAndIsForgotten()
    {
        await using var f = await DriverFixture.StartAsync();
        f.Agent.Send(DriverFixture.Launch("t1"));
        await f.WaitForCallbackAsync("LaunchTask t1");

        Assert.Equal(ExecutorDriverStatus.Running, f.Driver.SendStatusUpdate(DriverFixture.Running("t1")));
        Assert.Empty(f.Driver.UnacknowledgedTasks);
        await f.WaitForAsync("update acknowledged", () => f.Driver.UnacknowledgedUpdates.Count == 0 && f.Agent.CallsOf(ExecutorCall.UpdateType).Count == 1);

        var status = f.Agent.CallsOf(ExecutorCall.UpdateType)[0].Update?.Status;
        Assert.NotNull(status);
        Assert.Equal(16, Convert.FromBase64String(status.Uuid!).Length);
        Assert.Equal("SOURCE_EXECUTOR", status.Source);
        Assert.Equal("TASK_RUNNING", status.State);
        Assert.Equal(DriverFixture.ExecutorId, status.ExecutorId?.Value);
        Assert.True(status.Timestamp > 0);
    }

    [Fact]
    public async Task FrameworkMessages_BothWays_ArriveWithTheirBytes()
    {
        await using var f = await DriverFixture.StartAsync();
        f.Agent.Send(new ExecutorEvent
        {
            Type = ExecutorEvent.MessageType,
            Message = new ExecutorMessageEvent { Data = Convert.ToBase64String("from scheduler"u8.ToArray()) },
        });
        await f.WaitForCallbackAsync("FrameworkMessage from scheduler");

        f.Driver.SendFrameworkMessage("from executor"u8.ToArray());
        await f.WaitForAsync("message posted", () => f.Agent.CallsOf(ExecutorCall.MessageType).Count == 1);
        Assert.Equal("from executor", Encoding.UTF8.GetString(Convert.FromBase64String(f.Agent.CallsOf(ExecutorCall.MessageType)[0].Message!.Data!)));
    }

    [Fact]
    public async Task StreamDropped_WithCheckpoint_ResubscribesCarryingUnacknowledgedTaskAndUpdate_Reregistered()
    {
        await using var f = await DriverFixture.StartAsync(checkpoint: true);
        f.Agent.AcknowledgeUpdates = false;
        f.Agent.Send(DriverFixture.Launch("waiting"));
        f.Agent.Send(DriverFixture.Launch("updated"));
        await f.WaitForCallbackAsync("LaunchTask updated");
        f.Driver.SendStatusUpdate(DriverFixture.Running("updated"));
        await f.WaitForAsync("update posted", () => f.Agent.CallsOf(ExecutorCall.UpdateType).Count == 1);
        var sentUuid = f.Agent.CallsOf(ExecutorCall.UpdateType)[0].Update?.Status?.Uuid;

        f.Agent.DropStream();
        await f.WaitForCallbackAsync("Reregistered agent-1");

        Assert.Equal(
            ["Registered executor-1 framework-1 agent-1", "LaunchTask waiting", "LaunchTask updated", "Disconnected", "Reregistered agent-1"],
            f.Executor.Seen);
        var resubscribe = f.Agent.CallsOf(ExecutorCall.SubscribeType)[^1].Subscribe;
        Assert.Equal(["waiting"], resubscribe?.UnacknowledgedTasks?.Select(t => t?.TaskId?.Value));
        var carried = Assert.Single(resubscribe?.UnacknowledgedUpdates ?? []);
        Assert.Equal(sentUuid, carried?.Status?.Uuid);
        Assert.Equal("updated", carried?.Status?.TaskId?.Value);
    }

    [Fact]
    public async Task Call_ConnectionCut_TakenAsDisconnected_UpdateCarriedByTheNextSubscribe()
    {
        await using var f = await DriverFixture.StartAsync(checkpoint: true);
        f.Agent.CutConnection = call => call.Type == ExecutorCall.UpdateType;

        f.Driver.SendStatusUpdate(DriverFixture.Running("t1"));
        await f.WaitForCallbackAsync("Reregistered agent-1");

        Assert.Equal(["Registered executor-1 framework-1 agent-1", "Disconnected", "Reregistered agent-1"], f.Executor.Seen);
        var carried = Assert.Single(f.Agent.CallsOf(ExecutorCall.SubscribeType)[^1].Subscribe?.UnacknowledgedUpdates ?? []);
        Assert.Equal("t1", carried?.Status?.TaskId?.Value);
    }

    [Fact]
    public async Task StreamDropped_AgentNeverBack_ShutdownAfterRecoveryTimeoutAndAborted()
    {
        await using var f = await DriverFixture.StartAsync(checkpoint: true,
            adjust: s => s with { RecoveryTimeout = TimeSpan.FromMilliseconds(500) });
        f.Agent.RefuseSubscriptions = true;
        f.Agent.DropStream();

        await f.WaitForCallbackAsync("Shutdown");
        Assert.Equal(ExecutorDriverStatus.Aborted, f.Driver.Join());
        Assert.Equal(["Registered executor-1 framework-1 agent-1", "Disconnected", "Shutdown"], f.Executor.Seen);
        Assert.True(f.Agent.SubscribeContentTypes.Count >= 2, "the driver subscribed again before giving up");
    }

    [Fact]
    public async Task StreamDropped_WithoutCheckpoint_ShutsDownAtOnce()
    {
        await using var f = await DriverFixture.StartAsync(checkpoint: false);
        f.Agent.DropStream();

        Assert.Equal(ExecutorDriverStatus.Aborted, f.Driver.Join());
        Assert.Equal(["Registered executor-1 framework-1 agent-1", "Disconnected", "Shutdown"], f.Executor.Seen);
        Assert.Single(f.Agent.CallsOf(ExecutorCall.SubscribeType));
    }

    [Fact]
    public async Task ShutdownEvent_ShutdownCallbackSendsFinalUpdate_DeliveredThenStopped()
    {
        var executor = new RecordingExecutor
        {
            OnShutdown = driver => driver.SendStatusUpdate(new TaskStatus { TaskId = Id.Of("t1"), State = "TASK_KILLED" }),
        };
        await using var f = await DriverFixture.StartAsync(executor: executor);
        f.Agent.Send(new ExecutorEvent { Type = ExecutorEvent.ShutdownType });
        f.Agent.Send(DriverFixture.Launch("after-shutdown"));

        Assert.Equal(ExecutorDriverStatus.Stopped, f.Driver.Join());
        Assert.Equal(["Registered executor-1 framework-1 agent-1", "Shutdown"], f.Executor.Seen);
        Assert.Equal("TASK_KILLED", Assert.Single(f.Agent.CallsOf(ExecutorCall.UpdateType)).Update?.Status?.State);
    }

    [Fact]
    public async Task SendStatusUpdate_TaskStaging_RefusedWithErrorAndAborted()
    {
        await using var f = await DriverFixture.StartAsync();

        Assert.Equal(ExecutorDriverStatus.Aborted, f.Driver.SendStatusUpdate(new TaskStatus { TaskId = Id.Of("t1"), State = "TASK_STAGING" }));
        Assert.Equal(ExecutorDriverStatus.Aborted, f.Driver.Join());
        Assert.Contains(f.Executor.Seen, line => line.StartsWith("Error", StringComparison.Ordinal) && line.Contains("TASK_STAGING"));
        Assert.Empty(f.Agent.CallsOf(ExecutorCall.UpdateType));
        Assert.Empty(f.Driver.UnacknowledgedUpdates);
    }

    [Fact]
    public async Task Call_AgentAnswers403_ReportedThroughErrorAndDriverKeepsRunning()
    {
        await using var f = await DriverFixture.StartAsync();
        f.Agent.AnswerCall = call => call.Type == ExecutorCall.MessageType ? HttpStatusCode.Forbidden : HttpStatusCode.Accepted;

        f.Driver.SendFrameworkMessage([1, 2, 3]);
        await f.WaitForAsync("error reported", () => f.Executor.Seen.Any(line => line.StartsWith("Error", StringComparison.Ordinal)));

        Assert.Contains("Error MESSAGE was answered HTTP 403: refused MESSAGE", f.Executor.Seen);
        Assert.Equal(ExecutorDriverStatus.Running, f.Driver.Status);
    }

    [Fact]
    public async Task Callback_Throws_DriverAbortsAndJoinThrowsWrappingIt()
    {
        var executor = new RecordingExecutor { OnLaunchTask = (_, _) => throw new ArithmeticException("executor bug") };
        await using var f = await DriverFixture.StartAsync(executor: executor);
        f.Agent.Send(DriverFixture.Launch("t1"));
        f.Agent.Send(DriverFixture.Launch("t2"));

        var error = Assert.Throws<InvalidOperationException>(() => f.Driver.Join());

        Assert.IsType<ArithmeticException>(error.InnerException);
        Assert.Equal(ExecutorDriverStatus.Aborted, f.Driver.Status);
        Assert.DoesNotContain("LaunchTask t2", f.Executor.Seen);
    }

    [Fact]
    public async Task Stop_WhileRunning_JoinReturnsStoppedAndNoMoreCallbacks()
    {
        await using var f = await DriverFixture.StartAsync();

        Assert.Equal(ExecutorDriverStatus.Stopped, f.Driver.Stop());
        Assert.Equal(ExecutorDriverStatus.Stopped, f.Driver.Join());
        Assert.Equal(ExecutorDriverStatus.Stopped, f.Driver.SendFrameworkMessage([1]));
        Assert.Equal(["Registered executor-1 framework-1 agent-1"], f.Executor.Seen);
    }
}
