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

/// <summary>Identifies an offer; unique for the lifetime of a leading master (prefixed by its term).</summary>
public readonly record struct OfferId(string Value)
{
    public override string ToString() => Value;
}

/// <summary>Identifies a task within its framework (chosen by the framework, as in Mesos).</summary>
[MessagePackObject]
public readonly record struct TaskId([property: Key(0)] string Value)
{
    public override string ToString() => Value;
}
