namespace Mesos.HA.Protocol.Health;

/// <summary>
/// Send a TASK_RUNNING update whose <c>healthy</c> flag is <see cref="Healthy"/>, with <see cref="Message"/>
/// (what the check said); <see cref="ConsecutiveFailures"/> counts the failures outside the grace period
/// up to and including this one (0 on a healthy report).
/// </summary>
public sealed record HealthReport(bool Healthy, string Message, int ConsecutiveFailures) : HealthDecision;
