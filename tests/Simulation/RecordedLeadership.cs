using Mesos.HA.Master.Core;
using Mesos.HA.Master.Core.Replay;

namespace Mesos.HA.Simulation;

/// <summary>
/// One leadership of a simulated master as a production master records it (<see cref="JournalWriter"/>):
/// the journal of its core's inputs, each with the fingerprint of the effects the live core gave.
/// </summary>
public sealed class RecordedLeadership
{
    private readonly MemoryStream journal = new();
    private readonly JournalWriter writer;

    public RecordedLeadership(string master, long term, MasterCoreOptions options)
    {
        Master = master;
        writer = new JournalWriter(journal, term, options);
    }

    public string Master { get; }

    public long Term => writer.Term;

    public int Inputs => writer.Inputs;

    public void Decided(DateTimeOffset at, MasterInput input, IReadOnlyList<Effect> effects) => writer.Decided(at, input, effects);

    /// <summary>The journal's bytes, as a file would hold them.</summary>
    public byte[] Journal => journal.ToArray();

    /// <summary>The fingerprint of the effects the live core gave so far.</summary>
    public string LiveDigest => writer.EffectsDigest;
}
