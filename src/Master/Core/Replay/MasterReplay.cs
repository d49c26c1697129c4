using System.Security.Cryptography;

namespace Mesos.HA.Master.Core.Replay;

/// <summary>
/// What a replay gave: how many inputs and effects, a fingerprint of the effects, and the first input
/// (counted from 1) after which they differed from the ones the journal's writer saw, if any did.
/// </summary>
public sealed record ReplayResult(long Term, int Inputs, int Effects, string Digest, int? DivergedAt)
{
    /// <summary>How many inputs carried the writer's fingerprint (and so were checked).</summary>
    public int Checked { get; init; }
}

/// <summary>
/// Feeds a journal to a fresh <see cref="MasterCore"/> built with the journal's options: the same
/// inputs at the same times give the same effects, so a leadership recorded in production (or in the
/// simulator) can be stepped through again, effect by effect, on any machine.
/// </summary>
public static class MasterReplay
{
    public static ReplayResult Run(Stream journal, Action<JournalEntry, IReadOnlyList<Effect>>? each = null)
    {
        var (header, entries) = InputJournal.Read(journal);
        var core = new MasterCore(header.Options);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var (inputs, effects, verified) = (0, 0, 0);
        int? diverged = null;
        foreach (var entry in entries)
        {
            var decided = core.Handle(entry.Input, entry.At);
            InputJournal.Fingerprint(hash, decided);
            each?.Invoke(entry, decided);
            inputs++;
            effects += decided.Count;
            if (entry.EffectsDigest is not { } recorded) continue;
            verified++;
            if (diverged is null && recorded != InputJournal.Short(hash)) diverged = inputs;
        }
        return new ReplayResult(header.Term, inputs, effects, InputJournal.Short(hash), diverged) { Checked = verified };
    }
}
