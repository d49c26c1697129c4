using System.Security.Cryptography;

namespace Mesos.HA.Master.Core.Replay;

/// <summary>
/// Writes one leadership's journal as it runs: each input with the time it was fed at and the running
/// fingerprint of the effects the core gave, so a replay can tell where (if anywhere) it departs.
/// Called from the leader's one decision at a time; the stream is the caller's.
/// </summary>
public sealed class JournalWriter : IDisposable
{
    private readonly Stream to;
    private readonly IncrementalHash effects = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public JournalWriter(Stream to, long term, MasterCoreOptions options)
    {
        this.to = to;
        Term = term;
        InputJournal.WriteHeader(to, new JournalHeader(term, options));
    }

    public long Term { get; }

    public int Inputs { get; private set; }

    /// <summary>The fingerprint of the effects so far (the form <see cref="MasterReplay"/> prints).</summary>
    public string EffectsDigest => InputJournal.Short(effects);

    public void Decided(DateTimeOffset at, MasterInput input, IReadOnlyList<Effect> decided)
    {
        InputJournal.Fingerprint(effects, decided);
        InputJournal.Write(to, at, input, EffectsDigest);
        Inputs++;
    }

    /// <summary>The core threw on this input: journaled with the failure in place of a fingerprint, so a replay expects it too.</summary>
    public void Threw(DateTimeOffset at, MasterInput input, Exception error)
    {
        InputJournal.Write(to, at, input, InputJournal.ThrewMarker + error.GetType().Name);
        Inputs++;
    }

    public void Flush() => to.Flush();

    public void Dispose()
    {
        effects.Dispose();
        to.Dispose();
    }
}
