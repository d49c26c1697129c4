namespace Mesos.HA.SchedulerDriver.Core;

/// <summary>The timings and switches <see cref="DriverCore"/> decides by (see <see cref="SchedulerDriverOptions"/>).</summary>
public sealed record DriverCoreOptions
{
    public bool ImplicitAcknowledgements { get; init; } = true;
    public TimeSpan ResubscribeFirstDelay { get; init; } = TimeSpan.FromMilliseconds(50);
    public TimeSpan ResubscribeMaxDelay { get; init; } = TimeSpan.FromSeconds(2);
    public int MissedHeartbeats { get; init; } = 2;
    public TimeSpan SubscribeTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan ReconcileRetryFirstDelay { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan ReconcileRetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Tasks named in one RECONCILE call at most; more go in several calls. 10,000 task and agent ids
    /// are ~1 MB of JSON, well under the master's 4 MB call limit (one call for 100,000 would be refused).
    /// </summary>
    public int MaxTasksPerReconcile { get; init; } = 10_000;

    /// <summary>
    /// RECONCILE calls asked for the first time and not all answered yet, at most; the next goes once one is
    /// answered or asked again. 8 x 10,000 answers plus an implicit reconciliation of 100,000 tasks fit the
    /// master's 262,144 events a stream may hold unread.
    /// </summary>
    public int MaxReconcilesInFlight { get; init; } = 8;

    /// <summary>307s followed by one attempt before it counts as failed.</summary>
    public int MaxRedirects { get; init; } = 4;

    public static DriverCoreOptions From(SchedulerDriverOptions options) => new()
    {
        ImplicitAcknowledgements = options.ImplicitAcknowledgements,
        ResubscribeFirstDelay = options.ResubscribeFirstDelay,
        ResubscribeMaxDelay = options.ResubscribeMaxDelay,
        MissedHeartbeats = options.MissedHeartbeats,
        SubscribeTimeout = options.SubscribeTimeout,
        ReconcileRetryFirstDelay = options.ReconcileRetryFirstDelay,
        ReconcileRetryMaxDelay = options.ReconcileRetryMaxDelay,
    };
}
