using System.Net;
using System.Net.Sockets;
using Mesos.HA.Protocol.Health;
using Xunit;

namespace Mesos.HA.Protocol.Tests.Health;

/// <summary>The TCP probe against a real listener on 127.0.0.1.</summary>
public class TcpProbeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Check_SomethingListening_Passes()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var result = await new TcpProbe(port, TimeProvider.System).CheckAsync(Timeout, CancellationToken.None);
            Assert.Equal(ProbeResult.Pass($"connected to 127.0.0.1:{port}"), result);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task Check_NothingListening_Fails()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var result = await new TcpProbe(port, TimeProvider.System).CheckAsync(Timeout, CancellationToken.None);
        Assert.Equal(ProbeResult.Fail($"TCP connect to 127.0.0.1:{port} failed: ConnectionRefused"), result);
    }

    [Fact]
    public async Task Check_CancelledBeforeItStarts_Throws()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new TcpProbe(1, TimeProvider.System).CheckAsync(Timeout, cancel.Token));
    }

    [Fact]
    public void New_RefusesAPortOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TcpProbe(0, TimeProvider.System));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TcpProbe(65536, TimeProvider.System));
    }
}
