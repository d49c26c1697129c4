using MessagePack;

namespace Mesos.HA.Protocol.Registry;

/// <summary>
/// A machine as Mesos' maintenance names it: a hostname (kept in lower case), an IP, or both. It holds
/// the agents whose hostname and IP match the parts it names.
/// </summary>
[MessagePackObject]
public sealed record MachineId([property: Key(0)] string Hostname, [property: Key(1)] string Ip)
{
    /// <summary>The id as maintenance calls give it: the hostname in lower case, absent parts empty.</summary>
    public static MachineId Of(string? hostname, string? ip) => new((hostname ?? "").Trim().ToLowerInvariant(), (ip ?? "").Trim());

    /// <summary>Whether an agent with this hostname and IP runs on the machine.</summary>
    public bool Holds(string agentHostname, string agentIp) =>
        (Hostname.Length > 0 || Ip.Length > 0)
        && (Hostname.Length == 0 || string.Equals(Hostname, agentHostname, StringComparison.OrdinalIgnoreCase))
        && (Ip.Length == 0 || Ip == agentIp);

    /// <summary>Whether the machine holds the agent, by the hostname and address it registered with.</summary>
    public bool Holds(AgentInfo agent) => Holds(agent.Hostname, IpOf(agent.Endpoint));

    /// <summary>The IP part of an agent's endpoint (<c>ip:port</c>).</summary>
    public static string IpOf(string endpoint) => HostPort.Parse(endpoint).Ip;

    /// <summary>The machine's key in the registry's store: <c>hostname/ip</c>.</summary>
    [IgnoreMember]
    public string Key => $"{Hostname}/{Ip}";

    public override string ToString() => Hostname.Length == 0 ? Ip : Ip.Length == 0 ? Hostname : $"{Hostname} ({Ip})";
}

/// <summary>Where a scheduled machine stands (a machine outside the schedule is UP and has no record).</summary>
public enum MachineMode
{
    /// <summary>Scheduled for maintenance: its agents still run and offer, with the unavailability on their offers, and frameworks get inverse offers.</summary>
    Draining = 1,

    /// <summary>In maintenance: its agents are removed and may not register until the machine is brought UP.</summary>
    Down = 2,
}

/// <summary>A framework's answer to an inverse offer for a machine (Mesos' InverseOfferStatus).</summary>
public enum InverseOfferAnswer
{
    Unknown = 1,
    Accept = 2,
    Decline = 3,
}

/// <summary>A framework's latest answer to the inverse offers of a draining machine, and when it gave it (Unix milliseconds).</summary>
[MessagePackObject]
public sealed record InverseOfferStatusRecord(
    [property: Key(0)] FrameworkId Framework,
    [property: Key(1)] InverseOfferAnswer Answer,
    [property: Key(2)] long AtMs);

/// <summary>
/// When a machine goes away: from <see cref="StartNs"/> (Unix nanoseconds) for <see cref="DurationNs"/>
/// nanoseconds, or for good when that is null.
/// </summary>
[MessagePackObject]
public sealed record Unavailability([property: Key(0)] long StartNs, [property: Key(1)] long? DurationNs);

/// <summary>One window of a maintenance schedule: these machines go away together.</summary>
[MessagePackObject]
public sealed record MaintenanceWindow(
    [property: Key(0)] IReadOnlyList<MachineId> Machines,
    [property: Key(1)] Unavailability Unavailability);

/// <summary>
/// A machine in the maintenance schedule as the registry keeps it: its mode, its window, the frameworks'
/// answers to its inverse offers (cleared when its unavailability changes or it goes DOWN), and where it
/// stands in the schedule as given (<see cref="Window"/>, <see cref="Order"/>), so the schedule reads back as written.
/// </summary>
[MessagePackObject]
public sealed record MachineRecord(
    [property: Key(0)] MachineId Id,
    [property: Key(1)] MachineMode Mode,
    [property: Key(2)] Unavailability Unavailability,
    [property: Key(3)] IReadOnlyList<InverseOfferStatusRecord> Statuses,
    [property: Key(4)] int Window,
    [property: Key(5)] int Order);
