namespace Mesos.HA.Agent.Tasks;

/// <summary>
/// A <see cref="UserSwitch"/> decision: run as <see cref="User"/> (null: the agent's own user), or,
/// with a <see cref="Refusal"/>, do not run at all.
/// </summary>
public readonly record struct RunAs(UnixUser? User, string? Refusal)
{
    public static RunAs AgentUser => default;

    public static RunAs Switched(UnixUser user) => new(user, null);

    public static RunAs Refused(string why) => new(null, why);
}
