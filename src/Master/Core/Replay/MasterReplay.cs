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
            inputs++;
            var threwLive = entry.EffectsDigest?.StartsWith(InputJournal.ThrewMarker, StringComparison.Ordinal) == true;
            IReadOnlyList<Effect> decided;
            string? threw = null;
            try
            {
                decided = core.Handle(entry.Input, entry.At);
            }
            catch (Exception e)
            {
                // The core failed on this input: as recorded, or a departure (never a crash of the replay).
                (decided, threw) = ([], InputJournal.ThrewMarker + e.GetType().Name);
            }
            if (threw is null) InputJournal.Fingerprint(hash, decided);
            each?.Invoke(entry, decided);
            effects += decided.Count;
            if (entry.EffectsDigest is not { } recorded) continue;
            verified++;
            var replayed = threw ?? InputJournal.Short(hash);
            if (diverged is null && (threwLive ? recorded != threw : recorded != replayed)) diverged = inputs;
        }
        return new ReplayResult(header.Term, inputs, effects, InputJournal.Short(hash), diverged) { Checked = verified };
    }
}
