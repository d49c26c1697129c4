namespace Mesos.HA.Replication.Registry;

/// <summary>Upper bounds on what the registry holds; a command that would exceed one is rejected.</summary>
public sealed record RegistryLimits(int MaxAgents = 100_000, int MaxFrameworks = 20_000, int MaxRoles = 10_000)
{
    public static readonly RegistryLimits Default = new();
}
