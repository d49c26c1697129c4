using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Mesos.HA.Replication;

/// <summary>
/// What DotNext's Raft member reports through its published meters, for one member (several may
/// share a process in tests, told apart by the local-address tag): when a leader's message last reset
/// its election timer, how often it became a candidate, and the heartbeat rounds (as leader) and log
/// flushes that took long enough to starve the followers' election timers. Thread-safe.
/// </summary>
/// <remarks>
/// DotNext has no public property for either; its states count them on <c>incoming-heartbeats-count</c>
/// and <c>transitions-to-candidate-count</c> of the meter <c>DotNext.Net.Cluster.Consensus.Raft.Server</c>.
/// If a later version renames them, no heartbeat is ever seen (<see cref="SinceHeartbeat"/> stays
/// MaxValue, so nothing is ever suspected) and the count stays 0.
/// </remarks>
internal sealed class RaftActivity : IDisposable
{
    private const string MeterName = "DotNext.Net.Cluster.Consensus.Raft.Server";
    private const string HeartbeatInstrument = "incoming-heartbeats-count";
    private const string CandidateInstrument = "transitions-to-candidate-count";
    public const string AddressTag = "dotnext.raft.server.address";
    private const string RoundInstrument = "broadcast-time";
    private const string LogMeterName = "DotNext.IO.WriteAheadLog";
    private const string FlushInstrument = "entries-flush-duration";

    private readonly MeterListener listener = new();
    private readonly string localAddress;
    private long candidacies;
    private long lastHeartbeat; // Stopwatch timestamp; 0 = none yet
    private readonly double slowMs;
    private long slowRounds, slowFlushes;

    /// <param name="localAddress">This member's Raft endpoint as DotNext tags its measurements.</param>
    /// <param name="slow">A heartbeat round or a log flush at least this long is counted and reported to <paramref name="onSlow"/>.</param>
    /// <param name="onSlow">Called on DotNext's thread with what was slow and how long it took (ms); must be quick.</param>
    public RaftActivity(string localAddress, TimeSpan slow, Action<string, double>? onSlow = null)
    {
        this.localAddress = localAddress;
        slowMs = slow.TotalMilliseconds;
        listener.InstrumentPublished = (instrument, l) =>
        {
            if ((instrument.Meter.Name == MeterName && instrument.Name is HeartbeatInstrument or CandidateInstrument or RoundInstrument)
                || (instrument.Meter.Name == LogMeterName && instrument.Name == FlushInstrument))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<int>(OnMeasurement);
        listener.SetMeasurementEventCallback<double>((instrument, ms, tags, _) =>
        {
            if (ms < slowMs || !IsLocal(tags)) return;
            if (instrument.Name == RoundInstrument) Interlocked.Increment(ref slowRounds);
            else Interlocked.Increment(ref slowFlushes);
            onSlow?.Invoke(instrument.Name == RoundInstrument ? "heartbeat round" : "log flush", ms);
        });
        listener.Start();
    }

    /// <summary>Heartbeat rounds this member led that took at least the slow threshold (a majority answered late).</summary>
    public long SlowRounds => Interlocked.Read(ref slowRounds);

    /// <summary>
    /// Log flushes that took at least the slow threshold. A leader's heartbeat loop waits for its own
    /// flush before the next round when it commits (DotNext's <c>CommitAsync</c>), so a slow flush is a heartbeat gap.
    /// </summary>
    public long SlowFlushes => Interlocked.Read(ref slowFlushes);

    /// <summary>Time since a leader's message last reset this member's election timer; MaxValue before the first.</summary>
    public TimeSpan SinceHeartbeat
    {
        get
        {
            var last = Interlocked.Read(ref lastHeartbeat);
            return last == 0 ? TimeSpan.MaxValue : Stopwatch.GetElapsedTime(last);
        }
    }

    /// <summary>How many times this member became a candidate (started an election round after its pre-vote passed).</summary>
    public long Candidacies => Interlocked.Read(ref candidacies);

    private void OnMeasurement(Instrument instrument, int value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (!IsLocal(tags)) return;
        if (instrument.Name == HeartbeatInstrument) Interlocked.Exchange(ref lastHeartbeat, Stopwatch.GetTimestamp());
        else Interlocked.Add(ref candidacies, value);
    }

    private bool IsLocal(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
            if (tag.Key == AddressTag) return tag.Value as string == localAddress;
        return true; // untagged: assume one member per process
    }

    public void Dispose() => listener.Dispose();
}
