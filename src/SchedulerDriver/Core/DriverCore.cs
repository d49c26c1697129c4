namespace Mesos.HA.SchedulerDriver.Core;

/// <summary>
/// The scheduler driver's decisions, with no I/O, clock or threads: which master to subscribe to
/// (in turn, starting after a lost one), following 307s, failing over with the framework id,
/// re-subscribing with jittered exponential backoff, giving up an attempt that is not answered in
/// time, taking a silent stream (missed heartbeats) for dead, reconciling the live tasks after every
/// subscription and asking again with backoff while unanswered, tracking live tasks and their agents,
/// acknowledging updates, passing offers and maintenance (inverse offers and their rescinds) on to the
/// scheduler, and dropping calls while unsubscribed. <see cref="Step"/> takes one input
/// and the time now and returns the effects to carry out, in order.
/// </summary>
/// <remarks>
/// Not thread-safe: the shell makes one decision at a time. Deterministic: the only randomness is the
/// backoff jitter, drawn through the function given (a seeded generator in a simulation).
/// </remarks>
public sealed partial class DriverCore
{
    private readonly IReadOnlyList<string> masters;
    private readonly DriverCoreOptions options;
    private readonly Func<TimeSpan, TimeSpan> jitter;
    private readonly List<DriverEffect> effects = [];
    private DateTimeOffset now;
    private Phase phase = Phase.NotStarted;
    private int attempt;
    private string master = "";
    private int redirects;
    private int nextMaster;
    private int failures;
    private int subscriptions;
    private DateTimeOffset subscribeDeadline;
    private DateTimeOffset retryAt;
    private DateTimeOffset lastHeard;
    private TimeSpan silence;
    private DateTimeOffset? announcedWake;

    /// <param name="masters">The masters to subscribe through, tried in turn from the first.</param>
    /// <param name="frameworkId">The framework's id when it fails over from an earlier process; null for a new framework.</param>
    /// <param name="jitter">Spreads a backoff delay (e.g. uniformly over 75-125% of it); the core caps the result.</param>
    public DriverCore(IReadOnlyList<string> masters, string? frameworkId, DriverCoreOptions options, Func<TimeSpan, TimeSpan> jitter)
    {
        if (masters.Count == 0) throw new ArgumentException("at least one master is needed", nameof(masters));
        this.masters = masters;
        this.options = options;
        this.jitter = jitter;
        FrameworkId = frameworkId;
    }

    private enum Phase
    {
        NotStarted,
        Subscribing,
        Subscribed,
        BackingOff,
        Ended,
    }

    public DriverStatus Status { get; private set; } = DriverStatus.NotStarted;

    /// <summary>The framework's id: given at start for a failover, else known once subscribed.</summary>
    public string? FrameworkId { get; private set; }

    /// <summary>The attempt whose stream is open, if subscribed.</summary>
    public int? Subscription => phase == Phase.Subscribed ? attempt : null;

    /// <summary>The master subscribed with, if any.</summary>
    public string? Master => phase == Phase.Subscribed ? master : null;

    /// <summary>Decides on one input at <paramref name="at"/>; the effects are the shell's to carry out in order.</summary>
    public IReadOnlyList<DriverEffect> Step(DriverInput input, DateTimeOffset at)
    {
        now = at;
        effects.Clear();
        if (input is Tick) announcedWake = null; // a tick consumes the wake-up: the next one is always asked for
        switch (input)
        {
            case StartDriver: Start(); break;
            case SubscribeAnswered a: Answered(a); break;
            case SubscribeRedirected r: Redirected(r); break;
            case SubscribeFailed f when Pending(f.Attempt): Failed(f.Reason); break;
            case SubscribeRefused r when Pending(r.Attempt): Fail($"the master refused the subscription: {r.Reason}"); break;
            case EventReceived e when Live(e.Attempt): Received(e.Event); break;
            case StreamClosed c when Live(c.Attempt): Lose(DisconnectCause.StreamClosed); break;
            case Tick: Due(); break;
            case StopDriver s: Stop(s.Failover); break;
            case AbortDriver: End(DriverStatus.Aborted); break;
            default: Call(input); break;
        }
        // Only an earlier deadline needs a wake-up of its own: a later one is asked for by the tick of the earlier.
        if (Status != DriverStatus.Running) announcedWake = null;
        else if (NextWake() is { } wake && (announcedWake is not { } announced || wake < announced))
        {
            announcedWake = wake;
            effects.Add(new WakeAt(wake));
        }
        return [.. effects];
    }

    private bool Pending(int answered) => phase == Phase.Subscribing && answered == attempt && Status == DriverStatus.Running;

    private bool Live(int answered) => phase == Phase.Subscribed && answered == attempt && Status == DriverStatus.Running;

    private void Start()
    {
        if (Status != DriverStatus.NotStarted) return;
        Status = DriverStatus.Running;
        Open(masters[nextMaster++ % masters.Count], fresh: true);
    }

    private void Open(string to, bool fresh)
    {
        phase = Phase.Subscribing;
        attempt++;
        master = to;
        if (fresh)
        {
            redirects = 0;
            subscribeDeadline = now + options.SubscribeTimeout; // one deadline for the attempt and the 307s it follows
        }
        effects.Add(new OpenSubscription(attempt, to, FrameworkId));
    }

    private void Answered(SubscribeAnswered answer)
    {
        if (!Pending(answer.Attempt))
        {
            effects.Add(new CloseSubscription(answer.Attempt)); // a late answer to an attempt given up
            return;
        }
        FrameworkId = answer.FrameworkId;
        phase = Phase.Subscribed;
        failures = 0;
        lastHeard = now;
        silence = answer.HeartbeatInterval * options.MissedHeartbeats + TimeSpan.FromSeconds(1);
        EndReconciliations(); // questions asked while unsubscribed went nowhere; every live task is asked below
        effects.Add(subscriptions++ == 0 ? new NotifyRegistered(answer.FrameworkId, master) : new NotifyReregistered(master));
        ReconcileLiveTasks();
    }

    private void Redirected(SubscribeRedirected redirect)
    {
        if (!Pending(redirect.Attempt)) return;
        if (redirect.Leader is null) Failed($"{master} knows no leader");
        else if (redirects >= options.MaxRedirects) Failed($"{master} redirected once more after {redirects} redirects");
        else
        {
            effects.Add(new CloseSubscription(attempt));
            redirects++;
            Open(redirect.Leader, fresh: false);
        }
    }

    /// <summary>A failed attempt: the next goes to the next master after a backoff that grows with each failure in a row.</summary>
    private void Failed(string reason)
    {
        effects.Add(new CloseSubscription(attempt));
        var delay = Backoff(options.ResubscribeFirstDelay, options.ResubscribeMaxDelay, failures++);
        phase = Phase.BackingOff;
        retryAt = now + delay;
        effects.Add(new SubscribeAttemptFailed(attempt, master, reason, delay));
    }

    /// <summary>The subscription is lost: the scheduler hears of it and a new attempt starts at once with the master after the lost one.</summary>
    private void Lose(DisconnectCause cause)
    {
        effects.Add(new CloseSubscription(attempt));
        var lost = IndexOf(master);
        if (lost >= 0) nextMaster = lost + 1; // it is likely dead; any other names the new leader
        EndReconciliations();
        effects.Add(new NotifyDisconnected(master, cause, silence));
        Open(masters[nextMaster++ % masters.Count], fresh: true);
    }

    private int IndexOf(string address)
    {
        for (var i = 0; i < masters.Count; i++)
            if (string.Equals(masters[i], address, StringComparison.Ordinal)) return i;
        return -1;
    }

    private void Received(DriverEvent e)
    {
        lastHeard = now;
        switch (e)
        {
            case OffersEvent { Offers.Count: > 0 } o: effects.Add(new NotifyOffers(o.Offers)); break;
            case RescindEvent r: effects.Add(new NotifyRescinded(r.OfferId)); break;
            case InverseOffersEvent { InverseOffers.Count: > 0 } i: effects.Add(new NotifyInverseOffers(i.InverseOffers)); break;
            case RescindInverseOfferEvent r: effects.Add(new NotifyInverseOfferRescinded(r.InverseOfferId)); break;
            case UpdateEvent u: Update(u.Update); break;
            case MessageEvent m: effects.Add(new NotifyMessage(m.ExecutorId, m.AgentId, m.Data)); break;
            case FailureEvent { ExecutorId: { } executor } f: effects.Add(new NotifyExecutorLost(executor, f.AgentId, f.Status)); break;
            case FailureEvent f: effects.Add(new NotifyAgentLost(f.AgentId)); break;
            case ErrorEvent error: Fail(error.Message); break;
        }
    }

    private void Due()
    {
        if (Status != DriverStatus.Running) return;
        switch (phase)
        {
            case Phase.Subscribing when now >= subscribeDeadline:
                Failed($"{master} did not answer the subscription within {options.SubscribeTimeout.TotalSeconds:F0} s");
                break;
            case Phase.BackingOff when now >= retryAt:
                Open(masters[nextMaster++ % masters.Count], fresh: true);
                break;
            case Phase.Subscribed when now >= lastHeard + silence:
                Lose(DisconnectCause.Silent);
                break;
            case Phase.Subscribed:
                AskAgain();
                break;
        }
    }

    private DateTimeOffset? NextWake() => phase switch
    {
        Phase.Subscribing => subscribeDeadline,
        Phase.BackingOff => retryAt,
        Phase.Subscribed => Earliest(lastHeard + silence, NextQuestion()),
        _ => null,
    };

    private static DateTimeOffset Earliest(DateTimeOffset a, DateTimeOffset? b) => b is { } x && x < a ? x : a;

    private void Stop(bool failover)
    {
        if (Status != DriverStatus.Running) return;
        // Stopped before the TEARDOWN goes out: the ERROR that closes the torn-down stream is not for the scheduler.
        Status = DriverStatus.Stopped;
        if (!failover && phase == Phase.Subscribed) effects.Add(new SendCall(attempt, TeardownCall.Instance));
        End(DriverStatus.Stopped);
    }

    private void Fail(string message)
    {
        Status = DriverStatus.Aborted; // before the scheduler hears of it: the driver has aborted
        effects.Add(new NotifyError(message));
        End(DriverStatus.Aborted);
    }

    private void End(DriverStatus final)
    {
        if (phase == Phase.Ended || (Status != DriverStatus.Running && Status != final)) return;
        Status = final;
        if (phase is Phase.Subscribing or Phase.Subscribed) effects.Add(new CloseSubscription(attempt));
        phase = Phase.Ended;
        EndReconciliations();
        effects.Add(new DriverEnded(final));
    }

    /// <summary>Exponential from <paramref name="first"/>, doubled per retry, jittered, capped at <paramref name="max"/>.</summary>
    private TimeSpan Backoff(TimeSpan first, TimeSpan max, int retry)
    {
        var doubled = first * Math.Pow(2, Math.Min(retry, 30));
        var jittered = jitter(doubled < max ? doubled : max);
        return jittered < TimeSpan.Zero ? TimeSpan.Zero : jittered > max ? max : jittered;
    }
}
