using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using ARSoft.Tools.Net.Dns;

namespace Mesos.HA.Master.Dns;

/// <summary>
/// The UDP side of the master's DNS server, in place of ARSoft's: the library's transport drops a
/// datagram whose question it cannot parse without a word, and hands its parser the datagram
/// padded with zeros to 512 bytes (so truncated queries parse as if complete). This one gives the
/// parser exactly the bytes received, and answers what does not parse with FORMERR (the library
/// encodes the answer). Its accept never throws: the library's accept loop is an <c>async void</c>.
/// </summary>
internal sealed class DnsUdpTransport(IPEndPoint endpoint, Action<string> onError) : IServerTransport
{
    /// <summary>The largest query read; longer datagrams are cut there and then fail to parse.</summary>
    private const int MaxQueryBytes = 4096;
    private readonly Socket socket = new(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);

    public ushort DefaultAllowedResponseSize => 512;
    public bool SupportsMultipleResponses => false;
    public bool AllowTruncatedResponses => true;
    public TransportProtocol TransportProtocol => TransportProtocol.Udp;

    public void Bind() => socket.Bind(endpoint);

    public void Close() => socket.Close();

    public void Dispose() => socket.Dispose();

    public async Task<IServerConnection?> AcceptConnectionAsync(CancellationToken token)
    {
        var buffer = new byte[DnsRawPackage.LENGTH_HEADER_LENGTH + MaxQueryBytes];
        SocketReceiveFromResult received;
        try
        {
            received = await socket.ReceiveFromAsync(buffer.AsMemory(DnsRawPackage.LENGTH_HEADER_LENGTH), SocketFlags.None,
                new IPEndPoint(endpoint.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0), token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) { return null; }
        catch (ObjectDisposedException) { return null; }
        catch (SocketException e)
        {
            onError(e.Message);
            return null;
        }
        var remote = (IPEndPoint)received.RemoteEndPoint;
        // The library's packages start with the two-byte length that frames DNS over TCP.
        var exact = buffer.AsSpan(0, DnsRawPackage.LENGTH_HEADER_LENGTH + received.ReceivedBytes).ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(exact, (ushort)received.ReceivedBytes);
        var message = new ArraySegment<byte>(exact, DnsRawPackage.LENGTH_HEADER_LENGTH, received.ReceivedBytes);
        if (Parses(message))
        {
            try
            {
                return new Connection(this, new DnsReceivedRawPackage(exact, remote, endpoint));
            }
            catch (Exception) { } // what the library cannot take apart, it cannot answer: FORMERR below
        }
        await AnswerFormatErrorAsync(message, remote, token).ConfigureAwait(false);
        return null;
    }

    /// <summary>ARSoft encodes messages internally only; its server path uses the same method.</summary>
    private static readonly MethodInfo? Encode = typeof(DnsMessageBase).GetMethod("Encode", BindingFlags.Instance | BindingFlags.NonPublic, Type.EmptyTypes);

    /// <summary>Whether the FORMERR answer to unparseable queries is available (the library's internal encoder was found).</summary>
    public static bool CanAnswerMalformed => Encode?.ReturnType == typeof(DnsRawPackage);

    /// <summary>The FORMERR answer to a query with this transaction id, encoded by the library.</summary>
    internal static DnsRawPackage? FormatError(ushort transactionId) => CanAnswerMalformed
        ? (DnsRawPackage?)Encode!.Invoke(new DnsMessage { TransactionID = transactionId, IsQuery = false, ReturnCode = ReturnCode.FormatError }, null)
        : null;

    private async Task AnswerFormatErrorAsync(ArraySegment<byte> query, IPEndPoint remote, CancellationToken token)
    {
        // Without the two bytes of an id there is nothing to answer to.
        if (query.Count < 2 || FormatError(BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan())) is not { } answer) return;
        await SendAsync(answer, remote, token).ConfigureAwait(false);
    }

    private static bool Parses(ArraySegment<byte> message)
    {
        try
        {
            DnsMessage.Parse(message);
            return true;
        }
        catch (Exception)
        {
            // The library throws whatever its reader hits on bad input (index, format, not-supported errors).
            return false;
        }
    }

    private async Task<bool> SendAsync(DnsRawPackage package, IPEndPoint remote, CancellationToken token)
    {
        try
        {
            var sent = await socket.SendToAsync(package.ToArraySegment(false), SocketFlags.None, remote, token).ConfigureAwait(false);
            return sent == package.Length;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>One datagram: read once, answered once.</summary>
    private sealed class Connection(DnsUdpTransport owner, DnsReceivedRawPackage query) : IServerConnection
    {
        public IServerTransport Transport => owner;
        public IPEndPoint RemoteEndPoint => query.RemoteEndpoint;
        public IPEndPoint LocalEndPoint => query.LocalEndpoint;
        public bool CanRead { get; private set; } = true;

        public Task<bool> InitializeAsync(CancellationToken token) => Task.FromResult(true);

        public Task<DnsReceivedRawPackage?> ReceiveAsync(CancellationToken token)
        {
            CanRead = false;
            return Task.FromResult<DnsReceivedRawPackage?>(query);
        }

        public Task<bool> SendAsync(DnsRawPackage package, CancellationToken token) => owner.SendAsync(package, query.RemoteEndpoint, token);

        public void Dispose() { }
    }
}
