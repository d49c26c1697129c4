using System.Net;
using System.Net.Sockets;

namespace Mesos.HA.Replication;

/// <summary>
/// Idle TCP connections to a Raft member that has gone quiet, held until it is heard from again.
/// A paused (SIGSTOP) process does not accept, but its kernel completes handshakes until the listen
/// backlog is full, and a Raft request sent over such a connection waits the whole request timeout
/// (DotNext's <c>Client.RequestAsync</c> bounds a request by <c>RequestTimeout</c> only). With the
/// backlog taken by these connections, the pre-vote and vote requests that follow fail to connect
/// within the connect timeout instead, and the survivors elect without waiting for the paused member.
/// If the member is alive it accepts these connections and drops them when they close (it would time
/// them out after its receive timeout anyway); nothing is ever sent on them.
/// </summary>
internal sealed class AcceptQueueFiller : IDisposable
{
    private readonly CancellationTokenSource closing = new();
    private readonly List<Socket> sockets = [];

    private AcceptQueueFiller(EndPoint target) => Target = target;

    public EndPoint Target { get; }

    /// <summary>Starts <paramref name="count"/> connects to <paramref name="target"/>, each given up after <paramref name="connectTimeout"/>.</summary>
    public static AcceptQueueFiller Open(EndPoint target, int count, TimeSpan connectTimeout)
    {
        var filler = new AcceptQueueFiller(target);
        for (var i = 0; i < count; i++) _ = filler.ConnectAsync(connectTimeout);
        return filler;
    }

    private async Task ConnectAsync(TimeSpan connectTimeout)
    {
        var socket = new Socket(Target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        lock (sockets)
        {
            if (closing.IsCancellationRequested) { socket.Dispose(); return; }
            sockets.Add(socket);
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(closing.Token);
            timeout.CancelAfter(connectTimeout);
            await socket.ConnectAsync(Target, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The queue is already full (the point), the member is unreachable, or we are closing.
        }
    }

    public void Dispose()
    {
        lock (sockets)
        {
            closing.Cancel();
            foreach (var socket in sockets) socket.Dispose();
            sockets.Clear();
        }
        closing.Dispose();
    }
}
