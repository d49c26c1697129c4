using System.Diagnostics.Metrics;

namespace Mesos.HA.Replication;

/// <summary>
/// What DotNext's Raft member reports through its published meters, for one member (several may
/// share a process in tests, told apart by the local-address tag): how often it became a candidate,
/// i.e. started an election round after its pre-vote passed. Thread-safe.
/// </summary>
/// <remarks>
/// DotNext counts candidacies on <c>transitions-to-candidate-count</c> of the meter
/// <c>DotNext.Net.Cluster.Consensus.Raft.Server</c>; it has no public property for it. If a later
/// version renames the instrument, the count stays 0.
/// </remarks>
internal sealed class RaftCandidacies : IDisposable
{
    private const string MeterName = "DotNext.Net.Cluster.Consensus.Raft.Server";
    private const string CandidateInstrument = "transitions-to-candidate-count";
    private const string AddressTag = "dotnext.raft.server.address";

    private readonly MeterListener listener = new();
    private readonly string localAddress;
    private long candidacies;

    public RaftCandidacies(string localAddress)
    {
        this.localAddress = localAddress;
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MeterName && instrument.Name == CandidateInstrument)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<int>(OnMeasurement);
        listener.Start();
    }

    /// <summary>How many times this member became a candidate (started an election round after its pre-vote passed).</summary>
    public long Candidacies => Interlocked.Read(ref candidacies);

    private void OnMeasurement(Instrument instrument, int value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (!IsLocal(tags)) return;
        Interlocked.Add(ref candidacies, value);
    }

    private bool IsLocal(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
            if (tag.Key == AddressTag) return tag.Value as string == localAddress;
        return true; // untagged: assume one member per process
    }

    public void Dispose() => listener.Dispose();
}
