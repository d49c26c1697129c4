using System.Diagnostics;

namespace Mesos.HA.Cli.Local;

/// <summary>
/// A private network for the masters: a bridge in this namespace and one network namespace per master,
/// joined to the bridge by a veth pair, on a /24 of its own. Cutting a master's link partitions it from
/// every other process (masters, agents, clients) until it is healed; cutting it from the members
/// partitions it from the other masters only. Needs root and iproute2; when the
/// machine refuses (no privileges, no netns support) <see cref="TryCreate"/> says why and returns null.
/// Everything created is removed on dispose.
/// </summary>
public sealed class NetworkLab : IDisposable
{
    private readonly string tag;
    private readonly List<string> namespaces = new();

    private NetworkLab(string tag, int subnet)
    {
        this.tag = tag;
        Subnet = subnet;
    }

    public int Subnet { get; }
    public string Bridge => $"{tag}br";

    public string AddressOf(int member) => $"10.{Subnet / 256}.{Subnet % 256}.{member}";

    public static NetworkLab? TryCreate(int members, out string reason)
    {
        var tag = "mha" + Guid.NewGuid().ToString("N")[..5];
        var lab = new NetworkLab(tag, Random.Shared.Next(1, 60_000));
        try
        {
            lab.Ip($"link add {lab.Bridge} type bridge");
            lab.Ip($"addr add {lab.AddressOf(254)}/24 dev {lab.Bridge}");
            lab.Ip($"link set {lab.Bridge} up");
            for (var m = 1; m <= members; m++)
            {
                var ns = $"{tag}-{m}";
                lab.Ip($"netns add {ns}");
                lab.namespaces.Add(ns);
                lab.Ip($"link add {tag}h{m} type veth peer name {tag}n{m}");
                lab.Ip($"link set {tag}n{m} netns {ns}");
                lab.Ip($"link set {tag}h{m} master {lab.Bridge}");
                lab.Ip($"link set {tag}h{m} up");
                lab.Ip($"netns exec {ns} ip addr add {lab.AddressOf(m)}/24 dev {tag}n{m}");
                lab.Ip($"netns exec {ns} ip link set {tag}n{m} up");
                lab.Ip($"netns exec {ns} ip link set lo up");
            }
            reason = "";
            return lab;
        }
        catch (InvalidOperationException e)
        {
            lab.Dispose();
            reason = e.Message;
            return null;
        }
    }

    /// <summary>The launcher that runs a process inside the member's namespace.</summary>
    public IReadOnlyList<string> Launcher(int member) => ["ip", "netns", "exec", $"{tag}-{member}"];

    /// <summary>Cuts the member off from everyone (its side of the bridge goes down).</summary>
    public void Cut(int member) => Ip($"link set {tag}h{member} down");

    public void Heal(int member) => Ip($"link set {tag}h{member} up");

    /// <summary>
    /// Cuts the member off from the other members only, silently, both ways: each side's neighbour
    /// entry for the other points at a link address nobody has, so frames between them are dropped
    /// on the bridge, while agents and clients (on the host side of the bridge) still reach it — the
    /// classic stale leader that clients can still talk to.
    /// </summary>
    public void CutFromMembers(int member)
    {
        foreach (var other in Enumerable.Range(1, namespaces.Count).Where(o => o != member))
        {
            Ip($"netns exec {tag}-{member} ip neigh replace {AddressOf(other)} lladdr {Nowhere} dev {tag}n{member} nud permanent");
            Ip($"netns exec {tag}-{other} ip neigh replace {AddressOf(member)} lladdr {Nowhere} dev {tag}n{other} nud permanent");
        }
    }

    /// <summary>Undoes <see cref="CutFromMembers"/>: the neighbour entries are resolved again.</summary>
    public void HealFromMembers(int member)
    {
        foreach (var other in Enumerable.Range(1, namespaces.Count).Where(o => o != member))
        {
            Ip($"netns exec {tag}-{member} ip neigh del {AddressOf(other)} dev {tag}n{member}");
            Ip($"netns exec {tag}-{other} ip neigh del {AddressOf(member)} dev {tag}n{other}");
        }
    }

    // A locally administered unicast address no interface of the lab uses.
    private const string Nowhere = "02:00:5e:00:de:ad";

    private void Ip(string arguments)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in arguments.Split(' ')) info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot run ip");
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"ip {arguments}: {error.Trim()}");
    }

    public void Dispose()
    {
        for (var m = 1; m <= namespaces.Count; m++)
            try { Ip($"link del {tag}h{m}"); } catch (InvalidOperationException) { } // the pair goes with it, even if a process still holds the namespace
        foreach (var ns in namespaces)
            try { Ip($"netns del {ns}"); } catch (InvalidOperationException) { }
        try { Ip($"link del {Bridge}"); } catch (InvalidOperationException) { }
    }
}
