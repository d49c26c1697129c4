using System.Net;
using System.Net.Sockets;

namespace Mesos.HA.Cli;

internal static class EndPoints
{
    /// <summary>Parses <c>host:port</c> where host is an IP address or <c>localhost</c> (Raft peers are addressed by IP).</summary>
    public static IPEndPoint Parse(string text, string what)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), out var port) || port is < 1 or > 65535)
            throw new UsageException($"{what} '{text}' is not host:port");
        var host = text[..colon].Trim('[', ']');
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

    /// <summary>A TCP port free on 127.0.0.1 right now (for tests and local clusters).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
