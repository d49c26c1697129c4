namespace Mesos.HA.Protocol.Health;

/// <summary>What the health-check policy asks its executor to do: one of <see cref="HealthReport"/> or <see cref="KillUnhealthyTask"/>.</summary>
public abstract record HealthDecision;
