using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.SchedulerDriver.Core;
using Xunit;

namespace Mesos.HA.SchedulerDriver.Tests;

/// <summary>
/// The driver's decisions, scripted: each input at a time on a scripted clock, and the exact effects
/// it must give (see <see cref="DriverCoreScript"/> for the transcript's form). Default options:
/// resubscription backoff 50 ms doubling to 2 s, subscribe timeout 5 s, 2 missed heartbeats, asking
/// again about unanswered reconciliations after 2 s doubling to 30 s, 4 redirects at most.
/// </summary>
public sealed class DriverCoreTests
{
    [Fact]
    public void Start_SubscribesWithTheFirstMaster_AndWakesAtTheSubscribeDeadline()
    {
        var script = new DriverCoreScript();
        Assert.Equal(["open 1 m1", "wake at 5000"], script.Step(new StartDriver()));
        Assert.Equal(DriverStatus.Running, script.Core.Status);
        Assert.Empty(script.Step(new StartDriver()));
    }

    [Fact]
    public void FirstSubscription_RegistersTheScheduler_AndReconcilesWhatTheMasterKnows()
    {
        var script = new DriverCoreScript();
        script.Step(new StartDriver());
        Assert.Equal(["registered fw m1", "send 1 RECONCILE []", "wake at 3010"],
            script.At(10).Step(new SubscribeAnswered(1, "fw", TimeSpan.FromSeconds(1))));
        Assert.Equal("fw", script.Core.FrameworkId);
        Assert.Equal("m1", script.Core.Master);
    }

    [Fact]
    public void LostStream_Disconnects_AndFailsOverWithTheIdToTheNextMaster_ThenReconcilesTheLiveTasks()
    {
        var script = new DriverCoreScript();
        script.Subscribe();
        script.Step(new AcceptOffersCalled(["o1"], [DriverCoreScript.Task("t1", "a1"), DriverCoreScript.Task("t0", "a2")], null));

        Assert.Equal(["close 1", "disconnected m1 StreamClosed", "open 2 m2 as fw"], // its deadline is later than the wake-up asked for
            script.At(500).Step(new StreamClosed(1)));
        Assert.Null(script.Core.Subscription);
        Assert.Equal(["reregistered m2", "send 2 RECONCILE [t0@a2,t1@a1]", "wake at 2600"],
            script.At(600).Step(new SubscribeAnswered(2, "fw", TimeSpan.FromSeconds(1))));
        // The implicit reconciliation follows once the explicit one is answered: it would only repeat those answers.
        Assert.DoesNotContain("send 2 RECONCILE []", script.At(700).Step(new EventReceived(2, new UpdateEvent(DriverCoreScript.Update("t0", TaskState.Running, "a2", uuid: null)))));
        Assert.Contains("send 2 RECONCILE []", script.At(800).Step(new EventReceived(2, new UpdateEvent(DriverCoreScript.Update("t1", TaskState.Running, uuid: null)))));
    }

    [Fact]
    public void FrameworkGivenAnId_SubscribesWithIt_AndTheFirstSubscriptionStillRegisters()
    {
        var script = new DriverCoreScript(frameworkId: "old");
        Assert.Equal(["open 1 m1 as old", "wake at 5000"], script.Step(new StartDriver()));
        Assert.Equal("registered old m1", script.Step(new SubscribeAnswered(1, "old", TimeSpan.FromSeconds(1)))[0]);
    }

    [Fact]
    public void Redirect_IsFollowedToTheLeaderAtOnce_WithinTheAttemptsDeadline_UpToTheLimit()
    {
        var script = new DriverCoreScript(options: new DriverCoreOptions { MaxRedirects = 2 });
        script.Step(new StartDriver());
        Assert.Equal(["close 1", "open 2 m3"], script.At(5).Step(new SubscribeRedirected(1, "m3")));
        Assert.Equal(["close 2", "open 3 leader:5050"], script.At(9).Step(new SubscribeRedirected(2, "leader:5050")));
        // a third 307 is one too many: the attempt failed, the next master after a backoff
        Assert.Equal(["close 3", "failed 3 leader:5050, retry in 50 ms", "wake at 62"], script.At(12).Step(new SubscribeRedirected(3, "m1")));
        Assert.Equal(["open 4 m2", "wake at 5062"], script.TickAt(62));
    }

    [Fact]
    public void RedirectNamingNoLeader_IsAFailedAttempt_RetriedWithTheNextMasterAfterABackoff()
    {
        var script = new DriverCoreScript();
        script.Step(new StartDriver());
        Assert.Equal(["close 1", "failed 1 m1, retry in 50 ms", "wake at 50"], script.Step(new SubscribeRedirected(1, null)));
        Assert.Equal(["wake at 50"], script.TickAt(49));
        Assert.Equal(["open 2 m2", "wake at 5050"], script.TickAt(50));
    }

    [Fact]
    public void FailedAttemptsInARow_BackOffExponentially_UpToTheCap_AndASubscriptionResetsIt()
    {
        var script = new DriverCoreScript();
        script.Step(new StartDriver());
        var delays = new List<double>();
        for (var attempt = 1; attempt <= 8; attempt++)
        {
            var failed = script.Core.Step(new SubscribeFailed(attempt, "refused"), DriverCoreScript.T0.AddMilliseconds(script.NowMs))
                .OfType<SubscribeAttemptFailed>().Single();
            delays.Add(failed.RetryIn.TotalMilliseconds);
            Assert.StartsWith($"open {attempt + 1} ", script.TickAt(script.NowMs + (long)failed.RetryIn.TotalMilliseconds)[0], StringComparison.Ordinal);
        }
        Assert.Equal([50, 100, 200, 400, 800, 1600, 2000, 2000], delays);
        var now = script.NowMs;
        script.At(now + 1).Step(new SubscribeAnswered(9, "fw", TimeSpan.FromSeconds(1)));
        script.At(now + 2).Step(new StreamClosed(9));
        Assert.Equal(["close 10", "failed 10 m1, retry in 50 ms", $"wake at {now + 53}"], script.At(now + 3).Step(new SubscribeFailed(10, "refused")));
    }

    [Fact]
    public void SubscriptionNotAnsweredInTime_IsGivenUp_AndALateAnswerIsClosed()
    {
        var script = new DriverCoreScript();
        script.Step(new StartDriver());
        Assert.Equal(["close 1", "failed 1 m1, retry in 50 ms", "wake at 5050"], script.TickAt(5000));
        Assert.Equal(["close 1"], script.At(5010).Step(new SubscribeAnswered(1, "fw", TimeSpan.FromSeconds(1))));
        Assert.Null(script.Core.Subscription);
        Assert.Equal(["open 2 m2", "wake at 10050"], script.TickAt(5050));
    }

    [Fact]
    public void SilentStream_MissedHeartbeats_IsTakenForDead_AndEveryEventPutsItOff()
    {
        var script = new DriverCoreScript();
        script.Subscribe(); // heartbeat 1 s, 2 missed + 1 s: silent after 3 s
        Assert.Empty(script.At(2000).Step(new EventReceived(1, HeartbeatEvent.Instance))); // a later deadline: the wake-up at 3000 stands
        Assert.Equal(["wake at 5000"], script.TickAt(3000));
        Assert.Equal(["wake at 5000"], script.TickAt(4999));
        Assert.Equal(["close 1", "disconnected m1 Silent", "open 2 m2 as fw", "wake at 10000"], script.TickAt(5000));
    }

    [Fact]
    public void UnansweredReconciliation_IsAskedAgainWithBackoff_ForTheTasksStillUnanswered_UntilAnswered()
    {
        var script = new DriverCoreScript();
        script.Subscribe();
        Assert.Equal(["send 1 RECONCILE [t1@a1,t2@?]", "wake at 2000"],
            script.Step(new ReconcileCalled([("t1", "a1"), ("t2", null)], Track: true)));
        script.At(1000).Step(new EventReceived(1, HeartbeatEvent.Instance)); // keeps the stream alive
        script.At(2000).Step(new EventReceived(1, HeartbeatEvent.Instance));
        Assert.Equal(["send 1 RECONCILE [t1@a1,t2@?]", "wake at 5000"], script.TickAt(2000));
        Assert.Equal(["update t2 Running", "send 1 ACKNOWLEDGE t2@a3 u1"],
            script.At(2500).Step(new EventReceived(1, new UpdateEvent(DriverCoreScript.Update("t2", TaskState.Running, "a3")))));
        script.At(4000).Step(new EventReceived(1, HeartbeatEvent.Instance));
        script.At(5500).Step(new EventReceived(1, HeartbeatEvent.Instance));
        // second retry after 4 s: only t1 is left
        Assert.Equal(["send 1 RECONCILE [t1@a1]", "wake at 8500"], script.TickAt(6000));
        script.At(6500).Step(new EventReceived(1, new UpdateEvent(DriverCoreScript.Update("t1", TaskState.Lost, uuid: null))));
        script.At(9000).Step(new EventReceived(1, HeartbeatEvent.Instance));
        Assert.Equal(["wake at 12000"], script.TickAt(11000)); // answered: nothing more is asked
        Assert.Equal([("t2", "a3")], script.Core.LiveTasks);
    }

    [Fact]
    public void ReconcileRetries_EndWithTheSubscription_AndTheNextOneAsksAboutEveryLiveTask()
    {
        var script = new DriverCoreScript();
        script.Subscribe();
        script.Step(new ReconcileCalled([("t1", "a1")], Track: true));
        script.At(1500).Step(new StreamClosed(1));
        Assert.Equal(["wake at 6500"], script.TickAt(2000)); // the question died with its subscription
        Assert.Equal(["reregistered m2", "send 2 RECONCILE [t1@a1]", "wake at 4100"],
            script.At(2100).Step(new SubscribeAnswered(2, "fw", TimeSpan.FromSeconds(1))));
    }

    [Fact]
    public void AnExplicitReconciliation_GoesInCallsOfAtMostTheChunk_TwoAtATime_AndItsRetryToo()
    {
        // One call naming 100,000 tasks would be over the master's 4 MB call limit, and 100,000 answers queued at
        // once over the 65,536 events a stream may hold unread: the next chunk goes once one before is answered.
        var script = new DriverCoreScript(options: new DriverCoreOptions { MaxTasksPerReconcile = 2, MaxReconcilesInFlight = 2 });
        script.Subscribe();
        var sent = script.Step(new ReconcileCalled([("t1", "a1"), ("t2", "a1"), ("t3", "a2"), ("t4", "a2"), ("t5", "a3")], Track: true));
        Assert.Equal(["send 1 RECONCILE [t1@a1,t2@a1]", "send 1 RECONCILE [t3@a2,t4@a2]"], sent.Where(s => s.Contains("RECONCILE")));
        Assert.DoesNotContain(script.Step(new EventReceived(1, new UpdateEvent(DriverCoreScript.Update("t3", TaskState.Running, "a2", uuid: null)))),
            s => s.Contains("RECONCILE"));
        Assert.Contains("send 1 RECONCILE [t5@a3]",
            script.Step(new EventReceived(1, new UpdateEvent(DriverCoreScript.Update("t4", TaskState.Running, "a2", uuid: null)))));
        script.At(1000).Step(new EventReceived(1, HeartbeatEvent.Instance)); // keeps the stream alive
        script.At(2000).Step(new EventReceived(1, HeartbeatEvent.Instance));
        // Asked again, in chunks too: what is still unanswered.
        Assert.Equal(["send 1 RECONCILE [t1@a1,t2@a1]", "send 1 RECONCILE [t5@a3]"],
            script.TickAt(2000).Where(s => s.Contains("RECONCILE")));
    }

    [Fact]
    public void ATaskTheMasterCallsUnknown_IsNoLongerLive_SoNoLaterSubscriptionAsksAboutIt()
    {
        var script = new DriverCoreScript();
        script.Subscribe();
        script.Step(new AcceptOffersCalled(["o1"], [DriverCoreScript.Task("t1", "a1"), DriverCoreScript.Task("t2", "a1")], null));
        script.Step(new EventReceived(1, new UpdateEvent(DriverCoreScript.Update("t1", TaskState.Unknown, uuid: null))));
        Assert.Equal([("t2", "a1")], script.Core.LiveTasks);
    }

    [Fact]
    public void AChunkTheMasterLeavesUnanswered_HoldsTheNextOnlyUntilItIsAskedAgain()
    {
        var script = new DriverCoreScript(options: new DriverCoreOptions { MaxTasksPerReconcile = 1, MaxReconcilesInFlight = 2 });
        script.Subscribe();
        Assert.Equal(["send 1 RECONCILE [t1@a1]", "send 1 RECONCILE [t2@a1]"],
            script.Step(new ReconcileCalled([("t1", "a1"), ("t2", "a1"), ("t3", "a1")], Track: true)).Where(s => s.Contains("RECONCILE")));
        script.At(1000).Step(new EventReceived(1, HeartbeatEvent.Instance));
        script.At(2000).Step(new EventReceived(1, HeartbeatEvent.Instance));
        // Neither answered (their agent may still re-register): at the retry both are asked again and t3 goes too.
        Assert.Equal(["send 1 RECONCILE [t1@a1]", "send 1 RECONCILE [t2@a1]", "send 1 RECONCILE [t3@a1]"],
            script.TickAt(2000).Where(s => s.Contains("RECONCILE")));
    }

    [Fact]
    public void ReconcileByIds_NamesTheKnownAgents_AndDoesNotTrackUnknownTasks()
    {
        var script = new DriverCoreScript();
        script.Subscribe();
        script.Step(new AcceptOffersCalled(["o1"], [DriverCoreScript.Task("t1", "a1")], null));
        Assert.Equal("send 1 RECONCILE [t1@a1,x@?]", script.Step(new ReconcileCalled([("t1", null), ("x", null)], Track: false))[0]);
        Assert.Equal([("t1", "a1")], script.Core.LiveTasks);
        Assert.Equal(["send 1 RECONCILE []"], script.Step(new ReconcileCalled([], Track: false)));
    }

    [Fact]
    public void CallsWhileUnsubscribed_AreDropped_ButLaunchedTasksAreStillTrackedAndReconciledLater()
    {
        var script = new DriverCoreScript();
        script.Subscribe();
        script.At(100).Step(new StreamClosed(1));
        Assert.Equal(["drop ACCEPT o1 launch t1"], script.Step(new AcceptOffersCalled(["o1"], [DriverCoreScript.Task("t1", "a1")], null)));
        Assert.Equal(["drop KILL t1@a1"], script.Step(new KillTaskCalled("t1")));
        Assert.Equal(["drop DECLINE o2"], script.Step(new DeclineOffersCalled(["o2"], null)));
        Assert.Equal(["drop RECONCILE [t1@a1]"], script.Step(new ReconcileCalled([("t1", null)], Track: false)));
        Assert.Equal(["reregistered m2", "send 2 RECONCILE [t1@a1]", "wake at 2200"],
            script.At(200).Step(new SubscribeAnswered(2, "fw", TimeSpan.FromSeconds(1))));
    }

    [Fact]
    public void CallsBeforeStart_SendNothing()
    {
        var script = new DriverCoreScript();
        Assert.Empty(script.Step(new AcceptOffersCalled(["o1"], [DriverCoreScript.Task("t1", "a1")], null)));
        Assert.Empty(script.Step(new AbortDriver()));
        Assert.Equal(DriverStatus.NotStarted, script.Core.Status);
    }

    [Fact]
    public void Updates_AreDeliveredThenAcknowledged_TerminalOnesEndTheTask_AndAKillNamesTheLastAgent()
    {
        var script = new DriverCoreScript();
        script.Subscribe();
        script.Step(new AcceptOffersCalled(["o1"], [DriverCoreScript.Task("t1", "a1")], null));
        Assert.Equal(["update t1 Running", "send 1 ACKNOWLEDGE t1@a2 u1"],
            script.Step(new EventReceived(1, new UpdateEvent(DriverCoreScript.Update("t1", TaskState.Running, "a2")))));
        Assert.Equal(["send 1 KILL t1@a2"], script.Step(new KillTaskCalled("t1")));
        Assert.Equal(["update t1 Killed"], script.Step(new EventReceived(1, new UpdateEvent(DriverCoreScript.Update("t1", TaskState.Killed, uuid: null)))));
        Assert.Empty(script.Core.LiveTasks);
        Assert.Equal(["send 1 KILL t1@?"], script.Step(new KillTaskCalled("t1")));
    }

    [Fact]
    public void WithoutImplicitAcknowledgements_OnlyTheSchedulersAcknowledgementGoesOut()
    {
        var script = new DriverCoreScript(options: new DriverCoreOptions { ImplicitAcknowledgements = false });
        script.Subscribe();
        var update = DriverCoreScript.Update("t1", TaskState.Running);
        Assert.Equal(["update t1 Running"], script.Step(new EventReceived(1, new UpdateEvent(update))));
        Assert.Equal(["send 1 ACKNOWLEDGE t1@a1 u1"], script.Step(new AcknowledgeCalled(update)));
        Assert.Empty(script.Step(new AcknowledgeCalled(update with { Uuid = null })));
    }

    [Fact]
    public void Events_BecomeCallbacks_AndStaleAttemptsAreIgnored()
    {
        var script = new DriverCoreScript();
        script.Subscribe();
        var offer = new Offer("o1", "fw", "a1", "h", ResourceText.Parse("cpus:1"), "*");
        Assert.Equal(["offers o1"], script.Step(new EventReceived(1, new OffersEvent([offer]))));
        Assert.Empty(script.Step(new EventReceived(1, new OffersEvent([]))));
        Assert.Equal(["rescinded o1"], script.Step(new EventReceived(1, new RescindEvent("o1"))));
        Assert.Equal(["agent lost a1"], script.Step(new EventReceived(1, new FailureEvent("a1", null, 0))));
        Assert.Equal(["executor lost e1"], script.Step(new EventReceived(1, new FailureEvent("a1", "e1", 9))));
        Assert.Empty(script.Step(new EventReceived(7, new OffersEvent([offer]))));
        Assert.Empty(script.Step(new StreamClosed(7)));
        Assert.Empty(script.Step(new SubscribeFailed(1, "late")));
    }

    [Fact]
    public void FrameworkMessages_GoOutAsMessageCalls_AndExecutorsMessagesAndEndsBecomeCallbacks()
    {
        var script = new DriverCoreScript();
        script.Step(new StartDriver());
        Assert.Equal(["drop MESSAGE e1@a1 early"], script.Step(new FrameworkMessageCalled("e1", "a1", "early"u8.ToArray()))); // best effort
        script.Step(new SubscribeAnswered(1, "fw", TimeSpan.FromSeconds(1)));
        Assert.Equal(["send 1 MESSAGE e1@a1 hello"], script.Step(new FrameworkMessageCalled("e1", "a1", "hello"u8.ToArray())));
        Assert.Equal(["message e1@a1 hi back"], script.Step(new EventReceived(1, new MessageEvent("e1", "a1", "hi back"u8.ToArray()))));
        var lost = script.Core.Step(new EventReceived(1, new FailureEvent("a1", "e1", 137)), DriverCoreScript.T0);
        Assert.Equal(new NotifyExecutorLost("e1", "a1", 137), Assert.Single(lost));
    }

    [Fact]
    public void ErrorEvent_AbortsTheDriver_AfterTellingTheScheduler()
    {
        var script = new DriverCoreScript();
        script.Subscribe();
        Assert.Equal(["error Framework was torn down", "close 1", "ended Aborted"],
            script.Step(new EventReceived(1, new ErrorEvent("Framework was torn down"))));
        Assert.Equal(DriverStatus.Aborted, script.Core.Status);
        Assert.Empty(script.Step(new AcceptOffersCalled(["o1"], [], null)));
        Assert.Empty(script.TickAt(60_000));
    }

    [Fact]
    public void RefusedSubscription_AbortsTheDriver()
    {
        var script = new DriverCoreScript(frameworkId: "ghost");
        script.Step(new StartDriver());
        Assert.Equal(["error the master refused the subscription: HTTP 403: framework ghost is not registered", "close 1", "ended Aborted"],
            script.Step(new SubscribeRefused(1, "HTTP 403: framework ghost is not registered")));
    }

    [Fact]
    public void Stop_TearsTheFrameworkDownBeforeClosing_AndNothingIsDeliveredAfter()
    {
        var script = new DriverCoreScript();
        script.Subscribe();
        Assert.Equal(["send 1 TEARDOWN", "close 1", "ended Stopped"], script.Step(new StopDriver(Failover: false)));
        Assert.Equal(DriverStatus.Stopped, script.Core.Status);
        Assert.Empty(script.Step(new EventReceived(1, new ErrorEvent("Framework was torn down"))));
        Assert.Empty(script.Step(new StopDriver(Failover: false)));
    }

    [Fact]
    public void StopForFailover_ClosesWithoutATeardown()
    {
        var script = new DriverCoreScript();
        script.Subscribe();
        Assert.Equal(["close 1", "ended Stopped"], script.Step(new StopDriver(Failover: true)));
    }

    [Fact]
    public void StopWhileUnsubscribed_HasNoStreamToTearDown()
    {
        var script = new DriverCoreScript();
        script.Step(new StartDriver());
        Assert.Equal(["close 1", "ended Stopped"], script.Step(new StopDriver(Failover: false)));
        script = new DriverCoreScript();
        script.Step(new StartDriver());
        script.Step(new SubscribeFailed(1, "refused"));
        Assert.Equal(["ended Stopped"], script.Step(new StopDriver(Failover: false)));
        Assert.Empty(script.TickAt(1000));
    }

    [Fact]
    public void Abort_EndsWithoutATeardown()
    {
        var script = new DriverCoreScript();
        script.Subscribe();
        Assert.Equal(["close 1", "ended Aborted"], script.Step(new AbortDriver()));
    }

    [Fact]
    public void Jitter_ComesFromTheFunctionGiven_AndIsCapped()
    {
        var script = new DriverCoreScript(jitter: d => d * 1.25);
        script.Step(new StartDriver());
        Assert.Equal("failed 1 m1, retry in 62 ms", script.Step(new SubscribeFailed(1, "x"))[1]);
        var capped = new DriverCoreScript(options: new DriverCoreOptions { ResubscribeFirstDelay = TimeSpan.FromSeconds(3) }, jitter: d => d * 1.25);
        capped.Step(new StartDriver());
        Assert.Equal("failed 1 m1, retry in 2000 ms", capped.Step(new SubscribeFailed(1, "x"))[1]);
    }

    [Fact]
    public void SameInputsAndSeed_GiveTheSameTranscript()
    {
        static string[] Run(int seed)
        {
            var random = new Random(seed);
            var script = new DriverCoreScript(jitter: d => d * (0.75 + 0.5 * random.NextDouble()));
            var lines = new List<string>(script.Step(new StartDriver()));
            for (var attempt = 1; attempt <= 5; attempt++)
            {
                lines.AddRange(script.At(script.NowMs + 1).Step(new SubscribeFailed(attempt, "x")));
                lines.AddRange(script.TickAt(script.NowMs + 2000));
            }
            return [.. lines];
        }
        Assert.Equal(Run(7), Run(7));
        Assert.NotEqual(Run(7), Run(8));
    }
}
