using Mesos.HA.Protocol;
using System.Net;
using System.Net.Sockets;

namespace Mesos.HA.Cli;

internal static class EndPoints
{
    /// <summary>Parses <c>host:port</c> where host is an IP address or <c>localhost</c> (Raft peers are addressed by IP).</summary>
    public static IPEndPoint Parse(string text, string what)
    {
        var endpoint = HostPort.Parse(text);
        if (endpoint.Port is < 1 or > 65535) throw new UsageException($"{what} '{text}' is not host:port");
        var (host, port) = (endpoint.Ip, endpoint.Port);
        if (host == "localhost") return new IPEndPoint(IPAddress.Loopback, port);
        if (IPAddress.TryParse(host, out var ip)) return new IPEndPoint(ip, port);
        try
        {
            var resolved = Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                ?? throw new UsageException($"{what} host '{host}' has no IPv4 address");
            return new IPEndPoint(resolved, port);
        }
        catch (SocketException e)
        {
            throw new UsageException($"{what} host '{host}' cannot be resolved: {e.Message}");
        }
    }

    /// <summary>
    /// A TCP port free on 127.0.0.1 right now (for tests and local clusters), chosen at random below
    /// the kernel's ephemeral range: a port handed out by bind(0) can meanwhile become the source port
    /// of some outgoing connection (and then the master meant to listen on it cannot), which ports
    /// outside that range never do. A port is not handed out twice by one process while it has others
    /// to give: two picks for one group met on the same port in a CI run (about 2,000 ports to pick
    /// from and six picks per group: a collision in roughly one group of 130), and every master of that
    /// group refused its peer list ("a Raft member is listed twice").
    /// </summary>
    public static int FreePort()
    {
        var (low, _) = EphemeralRange();
        var top = Math.Max(low, 12_000);
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(10_000, top);
            if (!HandOut(port, top - 10_000)) continue;
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken; try another
            }
        }
        using var fallback = new TcpListener(IPAddress.Loopback, 0);
        fallback.Start();
        return ((IPEndPoint)fallback.LocalEndpoint).Port;
    }

    private static readonly Queue<int> handedOut = new();
    private static readonly HashSet<int> recent = new();

    /// <summary>Records the port as handed out; false when it was recently (the oldest half is forgotten once most of the range was).</summary>
    private static bool HandOut(int port, int range)
    {
        lock (recent)
        {
            if (recent.Contains(port)) return false;
            while (recent.Count >= range / 2 && handedOut.TryDequeue(out var old)) recent.Remove(old);
            recent.Add(port);
            handedOut.Enqueue(port);
            return true;
        }
    }

    private static (int Low, int High) EphemeralRange()
    {
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return (int.Parse(parts[0]), int.Parse(parts[1]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return (32_768, 60_999);
        }
    }
}
