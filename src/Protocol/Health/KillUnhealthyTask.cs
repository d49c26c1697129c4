namespace Mesos.HA.Protocol.Health;

/// <summary>
/// Kill the task: it failed <see cref="ConsecutiveFailures"/> checks in a row outside its grace period.
/// Decided once; no check runs after it. (Named apart from the agent channel's <c>KillTask</c> message,
/// which code handling both sees in the same scope.)
/// </summary>
public sealed record KillUnhealthyTask(string Message, int ConsecutiveFailures) : HealthDecision;
