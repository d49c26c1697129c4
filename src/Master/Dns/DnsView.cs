using System.Net;

namespace Mesos.HA.Master.Dns;

/// <summary>
/// What one master knows when a query arrives: the leader (address and HTTP port; null when no
/// leader is known), every master's address, and the task names. <paramref name="TasksKnown"/> is
/// false when this master has no recent copy of the leader's tasks (it then cannot say a task
/// name does not exist); <paramref name="TasksAuthoritative"/> is true on the leader, whose tasks
/// these are.
/// </summary>
public sealed record DnsView(
    DnsView.LeaderAddress? Leader,
    IReadOnlyList<IPAddress> Masters,
    DnsZone Tasks,
    bool TasksKnown,
    bool TasksAuthoritative)
{
    public sealed record LeaderAddress(IPAddress Address, int HttpPort);
}
