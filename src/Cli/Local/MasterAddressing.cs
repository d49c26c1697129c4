namespace Mesos.HA.Cli.Local;

/// <summary>
/// Where a local group's masters listen. <see cref="Distinct"/>: master i on 127.0.0.(10+i) with the
/// same HTTP and Raft ports (<c>mesos-ha local --distinct-addresses</c>), so a name such as
/// <c>leader.mesos</c> resolves to a master as it would across machines. <see cref="DnsPort"/>: every
/// master answers DNS on its own address at that port; 0 picks a free one (shared when distinct);
/// null: no DNS.
/// </summary>
public sealed record MasterAddressing(bool Distinct, int? DnsPort)
{
    public static readonly MasterAddressing Default = new(false, null);

    /// <summary>The first distinct address is 127.0.0.11 (Linux routes all of 127.0.0.0/8 to the loopback device).</summary>
    public const int FirstDistinctHost = 11;

    public string HostOf(int id) => Distinct ? $"127.0.0.{FirstDistinctHost - 1 + id}" : "127.0.0.1";
}
