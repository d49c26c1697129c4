using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mesos.HA.Protocol.Tests.Health;

/// <summary>
/// An HTTP/1.1 server on 127.0.0.1 and a free port that answers every request with one status and
/// no body (or, with <c>answer: false</c>, reads the request and never answers), recording request lines.
/// </summary>
internal sealed class TinyHttpServer : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly Task accepting;
    private readonly List<string> requestLines = [];

    public TinyHttpServer(int status, bool answer = true)
    {
        listener.Start();
        accepting = AcceptAsync(status, answer);
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public IReadOnlyList<string> RequestLines
    {
        get
        {
            lock (requestLines) return [.. requestLines];
        }
    }

    private async Task AcceptAsync(int status, bool answer)
    {
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync(stop.Token);
                _ = ServeAsync(client, status, answer);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client, int status, bool answer)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var head = new StringBuilder();
                var buffer = new byte[1024];
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await stream.ReadAsync(buffer, stop.Token);
                    if (read == 0) return;
                    head.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }
                lock (requestLines) requestLines.Add(head.ToString()[..head.ToString().IndexOf('\r')]);
                if (!answer)
                {
                    await Task.Delay(Timeout.Infinite, stop.Token);
                    return;
                }
                var response = $"HTTP/1.1 {status} Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(response), stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        await accepting;
        stop.Dispose();
    }
}
