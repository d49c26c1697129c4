namespace Mesos.HA.SchedulerDriver;

/// <summary>Settings of <see cref="MesosSchedulerDriver"/>.</summary>
public sealed record SchedulerDriverOptions
{
    /// <summary>Acknowledge each update once the StatusUpdate callback returns (the classic driver's default).</summary>
    public bool ImplicitAcknowledgements { get; init; } = true;

    /// <summary>First delay of the re-subscription pipeline; doubles with jitter up to <see cref="ResubscribeMaxDelay"/>.</summary>
    public TimeSpan ResubscribeFirstDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan ResubscribeMaxDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Heartbeat periods without any event after which the stream is taken for dead.</summary>
    public int MissedHeartbeats { get; init; } = 2;

    /// <summary>One subscription attempt gives up after this (a master that accepts and then says nothing).</summary>
    public TimeSpan SubscribeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Acknowledgements sent at once (other calls go one at a time, in order).</summary>
    public int ConcurrentAcknowledgements { get; init; } = 64;

    /// <summary>
    /// An explicit reconciliation still unanswered after this is sent again (the master does not answer
    /// for an unknown task whose agent may yet re-register); doubles with jitter up to <see cref="ReconcileRetryMaxDelay"/>.
    /// </summary>
    public TimeSpan ReconcileRetryFirstDelay { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan ReconcileRetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The driver's clock: re-subscription and reconciliation backoff, the subscription timeout, the heartbeat watchdog
    /// and the bound on the TEARDOWN sent by <see cref="MesosSchedulerDriver.Stop"/>. The real clock
    /// unless a test or simulation gives its own (a framework's program is its composition root).
    /// </summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Draws the backoff jitter (seed it for a reproducible run); null: a generator of the driver's own.</summary>
    public Random? Random { get; init; }

    /// <summary>The HTTP client to use (no automatic redirects: the driver follows 307s itself); null makes one.</summary>
    public HttpClient? Http { get; init; }

    /// <summary>
    /// The framework's principal and secret, sent with HTTP Basic authentication to masters that authenticate
    /// frameworks (the client the driver makes carries it; one given in <see cref="Http"/> must carry its own).
    /// FrameworkInfo's principal defaults to it. A master that refuses it (401) stops the driver with an error.
    /// </summary>
    public Mesos.HA.Protocol.Security.Credential? Credential { get; init; }

    /// <summary>
    /// Speak HTTPS to the masters, checking their certificates against its authorities (the cluster's CA, as
    /// <c>mesos-ha tls init</c> writes it: <c>TlsIdentity.Load(new TlsFiles(null, null, "ca.crt"), now)</c>) and
    /// presenting its certificate to masters that require one. The client the driver makes uses it; one given
    /// in <see cref="Http"/> must be configured alike. Null: plain HTTP.
    /// </summary>
    public Mesos.HA.Protocol.Security.TlsIdentity? Tls { get; init; }
}
