using Mesos.HA.ExecutorDriver.Core;
using Mesos.HA.Protocol.Http.V1;
using Xunit;

namespace Mesos.HA.ExecutorDriver.Tests;

/// <summary>The core's decisions alone: no sockets, no clock.</summary>
public class ExecutorDriverCoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Uuid = [.. Enumerable.Range(1, 16).Select(i => (byte)i)];

    private static ExecutorDriverCore Subscribed(bool checkpoint = true)
    {
        var core = new ExecutorDriverCore("framework-1", "executor-1", checkpoint);
        core.Handle(new ExecutorEvent { Type = ExecutorEvent.SubscribedType, Subscribed = FakeAgent.SubscribedEvent }, Now);
        return core;
    }

    [Fact]
    public void Acknowledged_OtherUuid_KeepsTheUpdate_SameUuid_ForgetsIt()
    {
        var core = Subscribed();
        var outcome = core.SendStatusUpdate(DriverFixture.Running("t1"), Uuid, Now);
        var uuid = outcome.Post?.Update?.Status?.Uuid;
        Assert.Equal(Convert.ToBase64String(Uuid), uuid);
        Assert.Equal(Now.ToUnixTimeMilliseconds() / 1000.0, outcome.Post?.Update?.Status?.Timestamp);

        core.Handle(Acknowledged(Convert.ToBase64String(new byte[16])), Now);
        Assert.Single(core.UnacknowledgedUpdates);
        core.Handle(Acknowledged(uuid!), Now);
        Assert.Empty(core.UnacknowledgedUpdates);
    }

    [Fact]
    public void SendStatusUpdate_WhileDisconnected_KeptForTheNextSubscribeButNotPosted()
    {
        var core = Subscribed();
        core.StreamBroken();

        var outcome = core.SendStatusUpdate(DriverFixture.Running("t1"), Uuid, Now);

        Assert.Null(outcome.Post);
        Assert.Single(core.Subscribe().Subscribe?.UnacknowledgedUpdates ?? []);
        Assert.Null(core.SendFrameworkMessage([1]));
    }

    [Fact]
    public void AnUpdateSentWhileTheSubscribeIsOnItsWay_IsPostedOnceSubscribed_AndOnlyOnce()
    {
        var core = Subscribed();
        core.StreamBroken();
        var before = core.SendStatusUpdate(DriverFixture.Running("t1"), Uuid, Now);
        var subscribe = core.Subscribe();
        var during = core.SendStatusUpdate(DriverFixture.Running("t2"), [.. Uuid.Reverse()], Now);
        Assert.Equal([], core.TakeUpdatesMadeWhileSubscribing()); // not subscribed yet

        core.Handle(new ExecutorEvent { Type = ExecutorEvent.SubscribedType, Subscribed = FakeAgent.SubscribedEvent }, Now);

        Assert.Null(before.Post);
        Assert.Null(during.Post);
        Assert.Equal(["t1"], (subscribe.Subscribe?.UnacknowledgedUpdates ?? []).Select(u => u!.Status?.TaskId?.Value));
        // Without this the update of t2 went nowhere until the stream broke again.
        var late = Assert.Single(core.TakeUpdatesMadeWhileSubscribing());
        Assert.Equal((ExecutorCall.UpdateType, "t2"), (late.Type, late.Update?.Status?.TaskId?.Value));
        Assert.Equal([], core.TakeUpdatesMadeWhileSubscribing());
        Assert.NotNull(core.SendStatusUpdate(DriverFixture.Running("t3"), [.. Uuid.Select(b => (byte)(b + 1))], Now).Post);
        Assert.Equal([], core.TakeUpdatesMadeWhileSubscribing());
    }

    [Fact]
    public void SubscribedAgain_AfterBreak_IsReregistered()
    {
        var core = Subscribed();
        Assert.IsType<ExecutorCallback.Disconnected>(Assert.Single(core.StreamBroken()));

        var again = core.Handle(new ExecutorEvent { Type = ExecutorEvent.SubscribedType, Subscribed = FakeAgent.SubscribedEvent }, Now);

        Assert.IsType<ExecutorCallback.Reregistered>(Assert.Single(again));
        Assert.True(core.Connected);
    }

    [Fact]
    public void Heartbeat_NoCallback_LastSeenNoted()
    {
        var core = Subscribed();

        Assert.Empty(core.Handle(new ExecutorEvent { Type = ExecutorEvent.HeartbeatType }, Now.AddSeconds(30)));

        Assert.Equal(Now.AddSeconds(30), core.LastHeartbeatAt);
    }

    [Fact]
    public void Shutdown_ThenMoreEvents_NothingMoreDecidedButUpdatesStillTaken()
    {
        var core = Subscribed(checkpoint: false);

        var shutdown = core.Handle(new ExecutorEvent { Type = ExecutorEvent.ShutdownType }, Now);

        Assert.Equal([new ExecutorCallback.Shutdown(), new ExecutorCallback.Finish(ExecutorDriverStatus.Stopped)], shutdown);
        Assert.Empty(core.Handle(DriverFixture.Launch("late"), Now));
        Assert.Empty(core.StreamBroken());
        Assert.NotNull(core.SendStatusUpdate(DriverFixture.Running("t1"), Uuid, Now).Post);
    }

    [Fact]
    public void Message_DataNotBase64_Error()
    {
        var core = Subscribed();

        var decided = core.Handle(new ExecutorEvent { Type = ExecutorEvent.MessageType, Message = new ExecutorMessageEvent { Data = "not base64!" } }, Now);

        Assert.IsType<ExecutorCallback.Error>(Assert.Single(decided));
    }

    private static ExecutorEvent Acknowledged(string uuid) => new()
    {
        Type = ExecutorEvent.AcknowledgedType,
        Acknowledged = new ExecutorAcknowledgedEvent { TaskId = Id.Of("t1"), Uuid = uuid },
    };
}
