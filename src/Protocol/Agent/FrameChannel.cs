using System.Buffers;
using System.Threading.Channels;

namespace Mesos.HA.Protocol.Agent;

/// <summary>
/// Both directions of one master-agent connection over a duplex stream: frames are read one at a
/// time by the owner's loop, and written by a single writer loop from a bounded queue so that
/// senders never block (a peer that cannot keep up is disconnected, not waited for).
/// </summary>
public sealed class FrameChannel : IAsyncDisposable
{
    private readonly Stream stream;
    private readonly FrameReader reader;
    private readonly TimeProvider time;
    private readonly Channel<byte[]> outgoing;
    private readonly CancellationTokenSource closed = new();
    private readonly Task writer;
    private const int CoalesceBytes = 64 * 1024;

    /// <param name="time">The clock of the pings and of the drain bound on close.</param>
    public FrameChannel(Stream stream, TimeProvider time, int outgoingCapacity = 65_536)
    {
        this.stream = stream;
        reader = new FrameReader(stream);
        this.time = time;
        outgoing = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(outgoingCapacity)
        {
            SingleReader = true, FullMode = BoundedChannelFullMode.Wait,
        });
        writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Cancelled when the channel closes (either side, or a write failed).</summary>
    public CancellationToken Closed => closed.Token;

    /// <summary>Queues a frame. False when the channel is closed or its queue is full (the caller should close it).</summary>
    public bool TrySend(long term, AgentMessage message) =>
        !closed.IsCancellationRequested && outgoing.Writer.TryWrite(FrameCodec.Encode(term, message));

    /// <summary>The next frame, through a read buffer (<see cref="FrameReader"/>). Never called concurrently: one loop reads.</summary>
    public ValueTask<FrameRead> ReadAsync(CancellationToken token) => reader.ReadAsync(token);

    /// <summary>Sends a <see cref="Ping"/> every <paramref name="interval"/> until cancelled or the channel refuses one.</summary>
    public async Task PingEveryAsync(long term, TimeSpan interval, CancellationToken token)
    {
        using var timer = new PeriodicTimer(interval, time);
        long sequence = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
                if (!TrySend(term, new Ping(++sequence))) return;
        }
        catch (OperationCanceledException) { /* the session ended */ }
    }

    /// <summary>Sends what is queued (bounded by <paramref name="drain"/>), then closes the stream.</summary>
    public async Task CloseAsync(TimeSpan drain)
    {
        outgoing.Writer.TryComplete();
        await Task.WhenAny(writer, Task.Delay(drain, time)).ConfigureAwait(false);
        await DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Writes what is queued, a burst of frames gathered into writes of up to <see cref="CoalesceBytes"/>: one system
    /// call (and, on TLS, one record) for many small frames instead of one each. The gathering buffer is rented for
    /// the burst only (a lone frame is written as it is): an idle channel holds no buffer, which at tens of
    /// thousands of agents is most of a master's memory.
    /// </summary>
    private async Task WriteLoopAsync()
    {
        try
        {
            var reader = outgoing.Reader;
            while (await reader.WaitToReadAsync(closed.Token).ConfigureAwait(false))
            {
                byte[]? batch = null;
                var used = 0;
                try
                {
                    while (reader.TryRead(out var frame))
                    {
                        if (used > 0 && used + frame.Length > CoalesceBytes)
                        {
                            await stream.WriteAsync(batch.AsMemory(0, used), closed.Token).ConfigureAwait(false);
                            used = 0;
                        }
                        if (frame.Length >= CoalesceBytes || (used == 0 && !reader.TryPeek(out _)))
                        {
                            await stream.WriteAsync(frame, closed.Token).ConfigureAwait(false);
                            continue;
                        }
                        batch ??= ArrayPool<byte>.Shared.Rent(CoalesceBytes);
                        frame.CopyTo(batch, used);
                        used += frame.Length;
                    }
                    if (used > 0) await stream.WriteAsync(batch.AsMemory(0, used), closed.Token).ConfigureAwait(false);
                }
                finally
                {
                    if (batch is not null) ArrayPool<byte>.Shared.Return(batch);
                }
                await stream.FlushAsync(closed.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The connection is gone; the owner notices through Closed or its read loop.
        }
        finally
        {
            try { closed.Cancel(); } catch (ObjectDisposedException) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        outgoing.Writer.TryComplete();
        try { await closed.CancelAsync().ConfigureAwait(false); } catch (ObjectDisposedException) { }
        await stream.DisposeAsync().ConfigureAwait(false);
        await writer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
