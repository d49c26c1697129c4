using System.Net;
using ARSoft.Tools.Net.Dns;

namespace Mesos.HA.Master.Dns;

/// <summary>
/// Wraps ARSoft's TCP server transport so the library's server loop can neither stop nor crash the
/// master (its accept loop is an <c>async void</c> that an exception, or the cancellation at stop,
/// would take down with the process: failures become "no connection"), and bounds the open
/// connections (<paramref name="maxConnections"/>). A TCP query that does not parse closes its
/// connection; UDP's FORMERR is <see cref="DnsUdpTransport"/>'s.
/// </summary>
internal sealed class DnsServerTransport(IServerTransport inner, int maxConnections, TimeProvider time, Action<string> onError) : IServerTransport
{
    private int open;

    public ushort DefaultAllowedResponseSize => inner.DefaultAllowedResponseSize;
    public bool SupportsMultipleResponses => inner.SupportsMultipleResponses;
    public bool AllowTruncatedResponses => inner.AllowTruncatedResponses;
    public TransportProtocol TransportProtocol => inner.TransportProtocol;

    public void Bind() => inner.Bind();

    public void Close() => inner.Close();

    public void Dispose() => inner.Dispose();

    public async Task<IServerConnection?> AcceptConnectionAsync(CancellationToken token)
    {
        try
        {
            var connection = await inner.AcceptConnectionAsync(token).ConfigureAwait(false);
            if (connection is null) return null;
            if (Interlocked.Increment(ref open) > maxConnections)
            {
                Interlocked.Decrement(ref open);
                connection.Dispose();
                return null;
            }
            return new Connection(connection, this);
        }
        catch (OperationCanceledException) { return null; }
        catch (ObjectDisposedException) { return null; }
        catch (Exception e)
        {
            onError(e.Message);
            // An error that repeats (a broken socket) must not spin the loop at full speed.
            try { await Task.Delay(TimeSpan.FromMilliseconds(50), time, token).ConfigureAwait(false); } catch (OperationCanceledException) { }
            return null;
        }
    }

    private sealed class Connection(IServerConnection inner, DnsServerTransport owner) : IServerConnection
    {
        private int disposed;

        public IServerTransport Transport => owner;
        public IPEndPoint RemoteEndPoint => inner.RemoteEndPoint;
        public IPEndPoint LocalEndPoint => inner.LocalEndPoint;
        public bool CanRead => inner.CanRead;

        public Task<bool> InitializeAsync(CancellationToken token) => inner.InitializeAsync(token);

        public Task<DnsReceivedRawPackage?> ReceiveAsync(CancellationToken token) => inner.ReceiveAsync(token);

        public Task<bool> SendAsync(DnsRawPackage package, CancellationToken token) => inner.SendAsync(package, token);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0) return;
            Interlocked.Decrement(ref owner.open);
            inner.Dispose();
        }
    }
}
