namespace Mesos.HA.Protocol.Health;

/// <summary>One kind of health check against a task (a command, an HTTP GET, a TCP connect).</summary>
/// <remarks>
/// A probe returns a failed <see cref="ProbeResult"/> for everything the task may do wrong, a
/// timeout included, and throws <see cref="OperationCanceledException"/> only when
/// <c>token</c> is cancelled. It leaves nothing running behind it. Never called concurrently
/// with itself by <see cref="HealthChecker"/>.
/// </remarks>
public interface IHealthProbe
{
    /// <summary>Runs one check, bounded by <paramref name="timeout"/>.</summary>
    Task<ProbeResult> CheckAsync(TimeSpan timeout, CancellationToken token);
}
