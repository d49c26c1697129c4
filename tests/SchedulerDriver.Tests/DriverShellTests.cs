using Mesos.HA.Protocol;
using Mesos.HA.SchedulerDriver.Core;
using Xunit;

namespace Mesos.HA.SchedulerDriver.Tests;

/// <summary>The driver's shell over a fake transport: it carries out the core's decisions in order, calls the scheduler back and keeps the public API's behaviour.</summary>
public sealed class DriverShellTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Shell_FollowsARedirect_DeliversAndAcknowledgesUpdates_FailsOverWithItsId_AndTearsDownOnStop()
    {
        var transport = new FakeSchedulerTransport();
        var first = new FakeSchedulerTransport.Stream("m2", "fw-1");
        var second = new FakeSchedulerTransport.Stream("m3", "fw-1");
        transport.Answer("m1", _ => new SubscribeOutcome.Redirected("m2"));
        transport.Answer("m2", _ => new SubscribeOutcome.Subscribed(first));
        transport.Answer("m3", _ => new SubscribeOutcome.Subscribed(second));
        var scheduler = new RecordingScheduler();
        await using var driver = new MesosSchedulerDriver(scheduler, new FrameworkInfo { Name = "fake" }, ["m1", "m2", "m3"], transport);

        driver.Start();
        await scheduler.WaitAsync("registered through the redirect", () => scheduler.Registrations == 1, Wait);
        Assert.Equal(("fw-1", "m2", "stream-m2"), (driver.FrameworkId, driver.Master, driver.StreamId));
        first.Send(new UpdateEvent(new TaskUpdate("t1", TaskState.Running, "a1", "", "", "SOURCE_EXECUTOR", "u1", 0)));
        await Poll.UntilAsync("the update acknowledged", () => first.Calls.Contains("ACKNOWLEDGE t1@a1 u1"), Wait, () => string.Join("; ", first.Calls));
        Assert.Equal([TaskState.Running], scheduler.StatesOf("t1"));

        first.End(); // the leader is gone: the next master after it, with the id, and t1 reconciled there
        await scheduler.WaitAsync("re-registered", () => scheduler.Reregistrations == 1 && driver.Master == "m3", Wait);
        Assert.Contains("disconnected", scheduler.Events);
        Assert.Equal(["m1 (new)", "m2 (new)", "m3 fw-1"], transport.Subscribes);
        await Poll.UntilAsync("t1 reconciled", () => second.Calls.Contains("RECONCILE [t1@a1]"), Wait, () => string.Join("; ", second.Calls));

        Assert.Equal(DriverStatus.Stopped, driver.Stop());
        Assert.Equal("TEARDOWN", second.Calls[^1]); // sent (and answered) before Stop returned
        Assert.Equal(DriverStatus.Stopped, await driver.JoinAsync().WaitAsync(Wait));
        Assert.True(second.Disposed);
        Assert.Null(driver.Master);
    }

    [Fact]
    public async Task FrameworkMessages_AreSent_AndExecutorsMessagesAndEndsReachTheScheduler()
    {
        var transport = new FakeSchedulerTransport();
        var stream = new FakeSchedulerTransport.Stream("m1", "fw-1");
        transport.Answer("m1", _ => new SubscribeOutcome.Subscribed(stream));
        var scheduler = new RecordingScheduler();
        await using var driver = new MesosSchedulerDriver(scheduler, new FrameworkInfo { Name = "fake" }, ["m1"], transport);
        driver.Start();
        await scheduler.WaitAsync("registered", () => scheduler.Registrations == 1, Wait);

        Assert.Equal(DriverStatus.Running, driver.SendFrameworkMessage("e1", "a1", "ping"u8.ToArray()));
        await Poll.UntilAsync("the MESSAGE call", () => stream.Calls.Contains("MESSAGE e1@a1 ping"), Wait, () => string.Join("; ", stream.Calls));
        stream.Send(new MessageEvent("e1", "a1", "pong"u8.ToArray()));
        stream.Send(new FailureEvent("a1", "e1", 3));
        await scheduler.WaitAsync("the executor's message and its end", () => scheduler.Events.Contains("executor lost e1@a1 status 3"), Wait);
        Assert.Equal(["message e1@a1 pong", "executor lost e1@a1 status 3"], scheduler.Events.Skip(1));
    }

    [Fact]
    public async Task CallsWhileUnsubscribed_AreDropped_AndStopForFailoverSendsNoTeardown()
    {
        var transport = new FakeSchedulerTransport();
        var stream = new FakeSchedulerTransport.Stream("m1", "fw-1");
        var scheduler = new RecordingScheduler();
        await using var driver = new MesosSchedulerDriver(scheduler, new FrameworkInfo { Name = "fake" }, ["m1"], transport);
        driver.Start(); // m1 fails until answered: the driver backs off and tries again
        Assert.Equal(DriverStatus.Running, driver.DeclineOffer("o1"));
        await Poll.UntilAsync("a retry after a failed attempt", () => transport.Subscribes.Count >= 2, Wait);
        transport.Answer("m1", _ => new SubscribeOutcome.Subscribed(stream));
        await scheduler.WaitAsync("registered", () => scheduler.Registrations == 1, Wait);
        Assert.DoesNotContain(stream.Calls, c => c.StartsWith("DECLINE", StringComparison.Ordinal));

        Assert.Equal(DriverStatus.Stopped, driver.Stop(failover: true));
        Assert.DoesNotContain("TEARDOWN", stream.Calls);
        Assert.Equal(DriverStatus.Stopped, await driver.JoinAsync().WaitAsync(Wait));
    }

    [Fact]
    public async Task RefusedSubscription_AbortsTheDriver_AfterTheSchedulerHearsOfIt()
    {
        var transport = new FakeSchedulerTransport();
        transport.Answer("m1", _ => new SubscribeOutcome.Refused("HTTP 403: framework ghost is not registered"));
        var scheduler = new RecordingScheduler();
        await using var driver = new MesosSchedulerDriver(scheduler, new FrameworkInfo { Name = "ghost", Id = "ghost" }, ["m1"], transport);
        Assert.Equal(DriverStatus.Aborted, await driver.RunAsync().WaitAsync(Wait));
        Assert.Contains("not registered", scheduler.LastError);
        Assert.Equal(["m1 ghost"], transport.Subscribes);
    }
}
