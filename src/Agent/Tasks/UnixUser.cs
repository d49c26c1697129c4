namespace Mesos.HA.Agent.Tasks;

/// <summary>An account of the agent's machine, as <c>getpwnam(3)</c> gives it: what a task switched to that user runs with.</summary>
public readonly record struct UnixUser(string Name, uint Uid, uint Gid);
