using Mesos.HA.SchedulerDriver.Core;

namespace Mesos.HA.SchedulerDriver;

/// <summary>
/// How <see cref="MesosSchedulerDriver"/> reaches the masters: one SUBSCRIBE request at a time (no
/// redirect followed, no retry: following 307s, rotating masters and backing off are
/// <see cref="DriverCore"/>'s decisions), and calls on an open subscription. The real one speaks the
/// v1 HTTP API (<see cref="HttpSchedulerTransport"/>); a test or a simulation may give its own.
/// </summary>
public interface ISchedulerTransport
{
    /// <summary>
    /// Sends one SUBSCRIBE to <paramref name="master"/>, with <paramref name="frameworkId"/> when failing
    /// over. Cancelling <paramref name="token"/> abandons the attempt (then it throws <see cref="OperationCanceledException"/>).
    /// </summary>
    Task<SubscribeOutcome> SubscribeAsync(string master, string? frameworkId, CancellationToken token);
}

/// <summary>An open subscription: its stream's events and the calls made on it. Disposing it closes the stream.</summary>
public interface ISchedulerSubscription : IAsyncDisposable
{
    /// <summary>The master (host:port) the stream lives on.</summary>
    string Master { get; }

    /// <summary>The stream's id (Mesos-Stream-Id), for calls made outside the driver.</summary>
    string StreamId { get; }

    string FrameworkId { get; }

    TimeSpan HeartbeatInterval { get; }

    /// <summary>The events after SUBSCRIBED, in order; ends when the stream does.</summary>
    IAsyncEnumerable<DriverEvent> ReadEventsAsync(CancellationToken token);

    /// <summary>Makes a call on this subscription; throws when the master does not accept it.</summary>
    Task CallAsync(DriverCall call, CancellationToken token);
}

/// <summary>How one subscription attempt ended.</summary>
public abstract record SubscribeOutcome
{
    /// <summary>SUBSCRIBED: the stream is open.</summary>
    public sealed record Subscribed(ISchedulerSubscription Subscription) : SubscribeOutcome;

    /// <summary>Not the leader: a 307 naming the leader.</summary>
    public sealed record Redirected(string? Leader) : SubscribeOutcome;

    /// <summary>Failed in a way another attempt may not (refused connection, 5xx, malformed answer).</summary>
    public sealed record Failed(string Reason) : SubscribeOutcome;

    /// <summary>Refused for good (403, or an ERROR as the first event).</summary>
    public sealed record Refused(string Reason) : SubscribeOutcome;
}
