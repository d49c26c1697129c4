using Mesos.HA.Master.Core;
using Mesos.HA.Master.Core.Replay;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Simulation.Tests;

/// <summary>
/// A journal of a leadership's inputs replays to the same effects: every leadership of simulated runs
/// (elections, faults, re-registrations, kills, reconciliation) is fed again to a fresh core from its
/// journal's bytes, and the effects must match the ones the live core gave, fingerprint for fingerprint.
/// </summary>
public class ReplayTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(3)]
    [InlineData(9)]
    [InlineData(25)]
    public void EveryLeadershipOfARun_ReplaysFromItsJournal_ToTheSameEffects(int seed)
    {
        var report = Simulation.Run(new SimulationOptions { Seed = seed, RecordJournals = true });
        Assert.True(report.Passed, report.Summary());
        Assert.True(report.Journals.Count > 1, $"seed {seed} should see several leaderships");
        foreach (var recorded in report.Journals)
        {
            var replay = MasterReplay.Run(new MemoryStream(recorded.Journal));
            output.WriteLine($"{recorded.Master} term {recorded.Term}: {replay.Inputs} inputs, {replay.Effects} effects, {replay.Digest}");
            Assert.Equal(recorded.Term, replay.Term);
            Assert.Equal(recorded.Inputs, replay.Inputs);
            Assert.Equal(recorded.LiveDigest, replay.Digest);
            Assert.Null(replay.DivergedAt);
            Assert.Equal(replay.Inputs, replay.Checked);
        }
        Assert.Contains(report.Journals, j => j.Inputs > 100);
    }

    [Fact]
    public void AChangedInput_ChangesTheReplayedEffects()
    {
        var report = Simulation.Run(new SimulationOptions { Seed = 3, RecordJournals = true });
        var recorded = report.Journals.MaxBy(j => j.Inputs)!;
        var (header, entries) = InputJournal.Read(new MemoryStream(recorded.Journal));
        // The same inputs, each a second later: timeouts and offer times move, so must the effects.
        using var shifted = new MemoryStream();
        InputJournal.WriteHeader(shifted, header);
        foreach (var entry in entries) InputJournal.Write(shifted, entry.At.AddSeconds(entry.Input is Tick ? 5 : 0), entry.Input, entry.EffectsDigest);
        shifted.Position = 0;
        var replay = MasterReplay.Run(shifted);
        Assert.NotEqual(recorded.LiveDigest, replay.Digest);
        // The replay names the first decision whose effects departed from the recorded ones.
        Assert.NotNull(replay.DivergedAt);
        output.WriteLine($"diverged after input {replay.DivergedAt} of {replay.Inputs}");
    }

    [Fact]
    public void ATornOrForeignJournal_IsRefusedOrCutCleanly()
    {
        var recorded = Simulation.Run(new SimulationOptions { Seed = 3, RecordJournals = true }).Journals.MaxBy(j => j.Inputs)!;
        var bytes = recorded.Journal;
        // A writer that died mid-frame leaves a torn tail: the whole frames before it replay.
        var torn = MasterReplay.Run(new MemoryStream(bytes[..^3]));
        Assert.Equal(recorded.Inputs - 1, torn.Inputs);
        // A frame naming a type that is not one of the core's inputs is refused, not instantiated.
        using var foreign = new MemoryStream();
        var (header, _) = InputJournal.Read(new MemoryStream(bytes));
        InputJournal.WriteHeader(foreign, header);
        var frame = MessagePack.MessagePackSerializer.Serialize(new InputJournal.Frame("Process", 0, [0xc0]),
            MessagePack.MessagePackSerializerOptions.Standard.WithResolver(MessagePack.Resolvers.ContractlessStandardResolver.Instance));
        foreign.Write([(byte)(frame.Length >> 24), (byte)(frame.Length >> 16), (byte)(frame.Length >> 8), (byte)frame.Length]);
        foreign.Write(frame);
        foreign.Position = 0;
        var error = Assert.Throws<InvalidDataException>(() => MasterReplay.Run(foreign));
        Assert.Contains("not an input of the master's core", error.Message);
        Assert.Throws<InvalidDataException>(() => MasterReplay.Run(new MemoryStream([0, 0, 0, 5, 1, 2, 3, 4, 5])));
    }
}
