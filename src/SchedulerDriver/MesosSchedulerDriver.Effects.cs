using Mesos.HA.SchedulerDriver.Core;

namespace Mesos.HA.SchedulerDriver;

/// <summary>The shell's half: feeding the core and carrying out its effects (subscription attempts, sends, wake-ups, callbacks).</summary>
public sealed partial class MesosSchedulerDriver
{
    // Attempts the core has opened and not closed (at most a couple); guarded by gate.
    private readonly Dictionary<int, Attempt> attempts = [];
    // Streams being closed, awaited by DisposeAsync; guarded by gate.
    private readonly List<Task> closing = [];

    /// <summary>One subscription attempt: the SUBSCRIBE in flight, then its stream's events fed to the core.</summary>
    private sealed class Attempt(int id, string master)
    {
        public int Id { get; } = id;
        public string Master { get; } = master;
        public CancellationTokenSource Abandon { get; } = new();
        public ISchedulerSubscription? Subscription { get; set; }
        public bool Closed { get; set; }
        public Task Run { get; set; } = Task.CompletedTask;
    }

    /// <summary>One decision (under the lock), then its effects in order on this thread; returns the driver's status.</summary>
    private DriverStatus Decide(DriverInput input)
    {
        IReadOnlyList<DriverEffect> effects;
        lock (gate)
        {
            effects = core.Step(input, options.Time.GetUtcNow());
            Volatile.Write(ref status, (int)core.Status);
            Volatile.Write(ref frameworkId, core.FrameworkId);
            Volatile.Write(ref current, core.Subscription is { } open && attempts.TryGetValue(open, out var a) ? a.Subscription : null);
            // Armed here so that the latest decision's wake-up wins when two threads decide at once.
            foreach (var effect in effects)
                if (effect is WakeAt w) wake.Change(Max(w.At - options.Time.GetUtcNow(), TimeSpan.Zero), Timeout.InfiniteTimeSpan);
        }
        foreach (var effect in effects) Execute(effect);
        return Status;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private void Execute(DriverEffect effect)
    {
        // Stopped from a callback: nothing more is delivered or sent, except the TEARDOWN of Stop itself.
        if (Status != DriverStatus.Running
            && effect is OpenSubscription or SendCall { Call: not TeardownCall } or Notify and not NotifyError) return;
        switch (effect)
        {
            case OpenSubscription open: Open(open); break;
            case CloseSubscription close: Close(close.Attempt); break;
            case SendCall { Call: TeardownCall } teardown: TearDown(teardown.Attempt); break;
            case SendCall send: Send(send); break;
            case CallDropped dropped: LogDropped(logger, dropped.Call.Type); break;
            case SubscribeAttemptFailed failed: LogRetry(logger, failed.Attempt, failed.Master, failed.RetryIn.TotalMilliseconds, failed.Reason); break;
            case DriverEnded ended: End(ended.Status); break;
            case Notify notify: Deliver(notify); break;
        }
    }

    private void Deliver(Notify notify)
    {
        switch (notify)
        {
            case NotifyRegistered r:
                LogSubscribed(logger, r.FrameworkId, r.Master, subscriptions++);
                scheduler.Registered(this, r.FrameworkId, new MasterInfo(r.Master));
                break;
            case NotifyReregistered r:
                LogSubscribed(logger, FrameworkId ?? "", r.Master, subscriptions++);
                scheduler.Reregistered(this, new MasterInfo(r.Master));
                break;
            case NotifyDisconnected d:
                if (d.Cause == DisconnectCause.Silent) LogSilent(logger, d.Master, d.Silence.TotalSeconds);
                LogDisconnected(logger, d.Master);
                scheduler.Disconnected(this);
                break;
            case NotifyOffers o: scheduler.ResourceOffers(this, o.Offers); break;
            case NotifyRescinded r: scheduler.OfferRescinded(this, r.OfferId); break;
            case NotifyInverseOffers i: scheduler.InverseOffers(this, i.InverseOffers); break;
            case NotifyInverseOfferRescinded r: scheduler.InverseOfferRescinded(this, r.InverseOfferId); break;
            case NotifyUpdate u: scheduler.StatusUpdate(this, u.Update); break;
            case NotifyMessage m: scheduler.FrameworkMessage(this, m.ExecutorId, m.AgentId, m.Data); break;
            case NotifyAgentLost a: scheduler.AgentLost(this, a.AgentId); break;
            case NotifyExecutorLost e: scheduler.ExecutorLost(this, e.ExecutorId, e.AgentId, e.Status); break;
            case NotifyError e:
                LogError(logger, e.Message);
                scheduler.Error(this, e.Message);
                break;
        }
    }

    private void Open(OpenSubscription open)
    {
        var attempt = new Attempt(open.Attempt, open.Master);
        lock (gate) attempts[open.Attempt] = attempt;
        attempt.Run = Task.Run(() => RunAttemptAsync(attempt, open.FrameworkId));
    }

    /// <summary>Subscribes, then feeds the stream's events to the core until it ends or the core closes the attempt.</summary>
    private async Task RunAttemptAsync(Attempt attempt, string? id)
    {
        var token = attempt.Abandon.Token;
        try
        {
            var outcome = await transport.SubscribeAsync(attempt.Master, id, token).ConfigureAwait(false);
            if (outcome is not SubscribeOutcome.Subscribed { Subscription: var subscription })
            {
                inputs.Writer.TryWrite(outcome switch
                {
                    SubscribeOutcome.Redirected r => new SubscribeRedirected(attempt.Id, r.Leader),
                    SubscribeOutcome.Refused r => new SubscribeRefused(attempt.Id, r.Reason),
                    SubscribeOutcome.Failed f => new SubscribeFailed(attempt.Id, f.Reason),
                    _ => new SubscribeFailed(attempt.Id, outcome.ToString()),
                });
                return;
            }
            bool closed;
            lock (gate)
            {
                closed = attempt.Closed;
                if (!closed) attempt.Subscription = subscription;
            }
            if (closed)
            {
                await subscription.DisposeAsync().ConfigureAwait(false); // answered after the core gave up on it
                return;
            }
            inputs.Writer.TryWrite(new SubscribeAnswered(attempt.Id, subscription.FrameworkId, subscription.HeartbeatInterval));
            await foreach (var e in subscription.ReadEventsAsync(token).ConfigureAwait(false)) inputs.Writer.TryWrite(new EventReceived(attempt.Id, e));
            inputs.Writer.TryWrite(new StreamClosed(attempt.Id));
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // the core closed the attempt, or the driver ended
        }
        catch (Exception e)
        {
            inputs.Writer.TryWrite(new SubscribeRefused(attempt.Id, $"the driver failed unexpectedly: {e.Message}"));
        }
    }

    private void Close(int id)
    {
        Attempt? attempt;
        lock (gate)
        {
            if (!attempts.Remove(id, out attempt)) return;
            attempt.Closed = true;
            if (attempt.Subscription is { } open) closing.Add(open.DisposeAsync().AsTask());
            closing.RemoveAll(t => t.IsCompleted);
        }
        try { attempt.Abandon.Cancel(); } catch (ObjectDisposedException) { }
    }

    private ISchedulerSubscription? SubscriptionOf(int id)
    {
        lock (gate) return attempts.TryGetValue(id, out var attempt) ? attempt.Subscription : null;
    }

    private void Send(SendCall send)
    {
        if (SubscriptionOf(send.Attempt) is { } subscription) calls.Writer.TryWrite((subscription, send.Call));
        else LogDropped(logger, send.Call.Type);
    }

    /// <summary>TEARDOWN goes out before the stream closes; bounded, so Stop never hangs on a dead master.</summary>
    private void TearDown(int id)
    {
        if (SubscriptionOf(id) is not { } subscription) return;
        try { subscription.CallAsync(TeardownCall.Instance, CancellationToken.None).WaitAsync(TeardownBound, options.Time).Wait(); }
        catch (AggregateException e) { LogCallFailed(logger, "TEARDOWN", e.InnerException?.Message ?? e.Message); }
    }

    private void End(DriverStatus final)
    {
        Volatile.Write(ref status, (int)final);
        Volatile.Write(ref current, null);
        calls.Writer.TryComplete();
        inputs.Writer.TryComplete();
        wake.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        try { stopping.Cancel(); } catch (ObjectDisposedException) { }
        finished.TrySetResult(final);
    }

    /// <summary>Sends queued calls in order; acknowledgements go out concurrently (each is independent).</summary>
    private async Task SendLoopAsync()
    {
        var inFlight = new List<Task>();
        await foreach (var (subscription, call) in calls.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (call is AcknowledgeCall)
            {
                await acknowledgements.WaitAsync().ConfigureAwait(false);
                inFlight.Add(SendAsync(subscription, call).ContinueWith(_ => acknowledgements.Release(), TaskScheduler.Default));
                inFlight.RemoveAll(t => t.IsCompleted);
                continue;
            }
            await Task.WhenAll(inFlight).ConfigureAwait(false);
            inFlight.Clear();
            await SendAsync(subscription, call).ConfigureAwait(false);
        }
        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }

    private async Task SendAsync(ISchedulerSubscription subscription, DriverCall call)
    {
        try
        {
            await subscription.CallAsync(call, stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or SchedulerCallException or OperationCanceledException or ObjectDisposedException)
        {
            LogCallFailed(logger, call.Type, e.Message);
        }
    }
}
