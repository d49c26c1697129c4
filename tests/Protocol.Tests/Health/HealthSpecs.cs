using Mesos.HA.Protocol.Agent;

namespace Mesos.HA.Protocol.Tests.Health;

/// <summary>The task start and the command check spec (Mesos's defaults unless told) the policy and runner tests share.</summary>
internal static class HealthSpecs
{
    public static readonly DateTimeOffset TaskStarted = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    public static HealthCheckSpec Spec(double delay = 15, double interval = 10, double timeout = 20, int failures = 3, double grace = 10) =>
        new(HealthCheckKind.Command, "true", 0, "", "", delay, interval, timeout, failures, grace);
}
