using System.Security.Cryptography;
using Mesos.HA.Master.Core;
using Mesos.HA.Master.Core.Replay;

namespace Mesos.HA.Simulation;

/// <summary>
/// One leadership of a simulated master as a production master records it: the journal of its core's
/// inputs, and a fingerprint of the effects the core gave as it ran, for a replay to match.
/// </summary>
public sealed class RecordedLeadership
{
    private readonly MemoryStream journal = new();
    private readonly IncrementalHash live = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public RecordedLeadership(string master, long term, MasterCoreOptions options)
    {
        Master = master;
        Term = term;
        InputJournal.WriteHeader(journal, new JournalHeader(term, options));
    }

    public string Master { get; }

    public long Term { get; }

    public int Inputs { get; private set; }

    public void Decided(DateTimeOffset at, MasterInput input, IReadOnlyList<Effect> effects)
    {
        InputJournal.Write(journal, at, input);
        InputJournal.Fingerprint(live, effects);
        Inputs++;
    }

    /// <summary>The journal's bytes, as a file would hold them.</summary>
    public byte[] Journal => journal.ToArray();

    /// <summary>The fingerprint of the effects given so far (the form <see cref="MasterReplay"/> prints).</summary>
    public string LiveDigest => Convert.ToHexString(live.GetCurrentHash())[..16];
}
