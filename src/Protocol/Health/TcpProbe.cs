using System.Net;
using System.Net.Sockets;

namespace Mesos.HA.Protocol.Health;

/// <summary>Passes when a TCP connection to 127.0.0.1:<c>port</c> opens (then closes it at once).</summary>
public sealed class TcpProbe : IHealthProbe
{
    private readonly int port;
    private readonly TimeProvider time;

    public TcpProbe(int port, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        this.port = port;
        this.time = time;
    }

    public Task<ProbeResult> CheckAsync(TimeSpan timeout, CancellationToken token) =>
        HealthProbe.BoundedAsync($"TCP connect to 127.0.0.1:{port}", timeout, time, token, ConnectAsync);

    private async Task<ProbeResult> ConnectAsync(CancellationToken token)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port, token).ConfigureAwait(false);
            return ProbeResult.Pass($"connected to 127.0.0.1:{port}");
        }
        catch (SocketException e)
        {
            return ProbeResult.Fail($"TCP connect to 127.0.0.1:{port} failed: {e.SocketErrorCode}");
        }
    }
}
