using MessagePack;

namespace Mesos.HA.Protocol;

/// <summary>Identifies an agent for its whole life in the registry (Mesos `AgentID`).</summary>
[MessagePackObject]
public readonly record struct AgentId([property: Key(0)] string Value)
{
    public override string ToString() => Value;
}

/// <summary>Identifies a framework across re-subscriptions and master failovers (Mesos `FrameworkID`).</summary>
[MessagePackObject]
public readonly record struct FrameworkId([property: Key(0)] string Value)
{
    public override string ToString() => Value;
}
