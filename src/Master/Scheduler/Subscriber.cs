using System.Threading.Channels;
using Mesos.HA.Protocol;

namespace Mesos.HA.Master.Scheduler;

/// <summary>
/// One framework's event stream: a bounded queue of encoded events, written to the HTTP response by
/// the SUBSCRIBE request that owns it. A framework that cannot keep up loses its stream (and
/// re-subscribes), it never makes the master buffer without bound.
/// </summary>
internal sealed class Subscriber(FrameworkId framework, string streamId, long term, int capacity)
{
    private readonly Channel<byte[]> events = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(capacity)
    {
        SingleReader = true, FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly CancellationTokenSource closed = new();

    public FrameworkId Framework { get; } = framework;
    public string StreamId { get; } = streamId;
    public long Term { get; } = term;
    public ChannelReader<byte[]> Events => events.Reader;
    public CancellationToken Closed => closed.Token;

    /// <summary>Set when the stream was replaced by a newer subscription (it must not disconnect the framework).</summary>
    public bool Replaced { get; private set; }

    /// <summary>Queues an event; a full queue closes the stream.</summary>
    public bool Enqueue(byte[] json)
    {
        if (events.Writer.TryWrite(json)) return true;
        Close();
        return false;
    }

    /// <summary>Ends the stream after a last event (ERROR when replaced, for instance).</summary>
    public void CloseWith(byte[] last, bool replaced)
    {
        Replaced |= replaced;
        events.Writer.TryWrite(last);
        events.Writer.TryComplete();
    }

    public void Close()
    {
        events.Writer.TryComplete();
        try { closed.Cancel(); } catch (ObjectDisposedException) { }
    }
}
