namespace Mesos.HA.Protocol.Health;

/// <summary>
/// One health check as it ran: when it started and finished (on the checker's clock), whether the
/// probe passed, and what it said. The policy, not the probe, decides that a check which took
/// longer than its timeout failed.
/// </summary>
public sealed record HealthCheckResult(DateTimeOffset Started, DateTimeOffset Finished, bool Passed, string Message)
{
    public TimeSpan Duration => Finished - Started;
}
