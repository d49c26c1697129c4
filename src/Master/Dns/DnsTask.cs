namespace Mesos.HA.Master.Dns;

/// <summary>
/// One running task as DNS names it: its name and its framework's (as launched, not yet labels),
/// its id, the address of the agent that runs it and the ports it holds. What the leader serves
/// its followers on <c>/master/dns/tasks</c>, and what the zone is built from.
/// </summary>
public sealed record DnsTask(string Task, string Framework, string TaskId, string Address, IReadOnlyList<int> Ports);
