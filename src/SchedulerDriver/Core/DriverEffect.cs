namespace Mesos.HA.SchedulerDriver.Core;

/// <summary>
/// What <see cref="DriverCore"/> decided, for its shell to carry out in the order given: transport
/// work (open or close a subscription attempt, send a call on one), a wake-up, callbacks to the
/// scheduler (<see cref="Notify"/>), and the driver's end.
/// </summary>
public abstract record DriverEffect;

/// <summary>
/// Send SUBSCRIBE to <paramref name="Master"/> as attempt <paramref name="Attempt"/>, with the
/// framework's id when it has one (a failover). Its answer and stream come back as inputs naming the attempt.
/// </summary>
public sealed record OpenSubscription(int Attempt, string Master, string? FrameworkId) : DriverEffect;

/// <summary>Abandon the attempt: close its stream, or give up waiting for its answer. Closing a closed attempt does nothing.</summary>
public sealed record CloseSubscription(int Attempt) : DriverEffect;

/// <summary>Send the call on the subscription of <paramref name="Attempt"/>.</summary>
public sealed record SendCall(int Attempt, DriverCall Call) : DriverEffect;

/// <summary>A call made while the driver had no subscription: dropped (offers die with it; agents resend updates).</summary>
public sealed record CallDropped(DriverCall Call) : DriverEffect;

/// <summary>An attempt failed; the next one goes out after <paramref name="RetryIn"/> (for logs: the core schedules it).</summary>
public sealed record SubscribeAttemptFailed(int Attempt, string Master, string Reason, TimeSpan RetryIn) : DriverEffect;

/// <summary>
/// Feed a <see cref="Tick"/> at <paramref name="At"/>; replaces every wake-up asked for before. The
/// core asks only when a deadline comes earlier than the one asked for (a tick that comes early, or
/// finds its deadline moved, is harmless: every tick asks for the next one).
/// </summary>
public sealed record WakeAt(DateTimeOffset At) : DriverEffect;

/// <summary>The driver ended (stopped or aborted): the shell releases whoever waits for it.</summary>
public sealed record DriverEnded(DriverStatus Status) : DriverEffect;

/// <summary>A callback to the scheduler, in event order.</summary>
public abstract record Notify : DriverEffect;

public sealed record NotifyRegistered(string FrameworkId, string Master) : Notify;

public sealed record NotifyReregistered(string Master) : Notify;

/// <summary>Why a subscription was given up.</summary>
public enum DisconnectCause
{
    /// <summary>The stream ended.</summary>
    StreamClosed,

    /// <summary>Nothing arrived for the missed heartbeats (the master may be paused or cut off).</summary>
    Silent,
}

public sealed record NotifyDisconnected(string Master, DisconnectCause Cause, TimeSpan Silence) : Notify;

public sealed record NotifyOffers(IReadOnlyList<Offer> Offers) : Notify;

public sealed record NotifyRescinded(string OfferId) : Notify;

/// <summary>Inverse offers (maintenance), for <see cref="IScheduler.InverseOffers"/>.</summary>
public sealed record NotifyInverseOffers(IReadOnlyList<InverseOffer> InverseOffers) : Notify;

/// <summary>A rescinded inverse offer, for <see cref="IScheduler.InverseOfferRescinded"/>.</summary>
public sealed record NotifyInverseOfferRescinded(string InverseOfferId) : Notify;

public sealed record NotifyUpdate(TaskUpdate Update) : Notify;

public sealed record NotifyMessage(string ExecutorId, string AgentId, byte[] Data) : Notify;

public sealed record NotifyAgentLost(string AgentId) : Notify;

public sealed record NotifyExecutorLost(string ExecutorId, string AgentId, int Status) : Notify;

/// <summary>An unrecoverable error: the driver has aborted.</summary>
public sealed record NotifyError(string Message) : Notify;
