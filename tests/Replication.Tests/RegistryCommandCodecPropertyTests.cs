using System.Buffers;
using CsCheck;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using MessagePack;
using Xunit;
using static Mesos.HA.Replication.Tests.Commands;

namespace Mesos.HA.Replication.Tests;

/// <summary>
/// Registry command decoding under generated input: valid commands round-trip; random, mutated and
/// truncated encodings (single and batched) decode or give an error, never an exception, because a
/// replica must not crash on a log entry. A failure prints CsCheck's seed; pass it as <c>seed:</c> to replay.
/// </summary>
public class RegistryCommandCodecPropertyTests
{
    private const int Iterations = 20_000;

    // Ids and roles alike: a letter first (a role part may not start with '-' nor be '.').
    private static readonly Gen<string> Id = Gen.Select(Gen.Char["abcdefghij"], Gen.String[Gen.Char["abcdefghij0123456789-_."], 0, 19]).Select(t => t.Item1 + t.Item2);

    private static readonly RegistryCommand[] Known = [.. ((IEnumerable<object[]>)CodecTests.EveryCommand).Select(row => (RegistryCommand)row[0])];

    /// <summary>A command from the codec tests' list of every kind, or one with generated ids and times.</summary>
    private static readonly Gen<RegistryCommand> GenCommand = Gen.OneOf(
        Gen.Int[0, Known.Length - 1].Select(i => Known[i]),
        Gen.Select(Id, Gen.Long[0, long.MaxValue]).Select(t => (RegistryCommand)Admit(t.Item1, t.Item2)),
        Gen.Select(Id, Gen.Long[0, long.MaxValue]).Select(t => (RegistryCommand)new MarkAgentUnreachable(new AgentId(t.Item1), t.Item2)),
        Gen.Select(Id, Gen.Long[0, 1_000_000_000]).Select(t => (RegistryCommand)AddFramework(t.Item1, t.Item2)),
        Gen.Select(Id, Gen.Double[0.001, 1000]).Select(t => (RegistryCommand)new SetWeights([new RoleWeight(t.Item1, t.Item2)])));

    private static readonly Gen<byte[]> GenEncoding =
        Gen.Select(GenCommand, Gen.Guid).Select(t => RegistryCommandCodec.Encode(new CommandEnvelope(RegistryCommandCodec.CurrentVersion, t.Item2, t.Item1)));

    /// <summary>An encoding with a few bytes changed, cut short, or replaced by random bytes.</summary>
    private static readonly Gen<byte[]> GenMutated = Gen.Select(GenEncoding, Gen.Int[0, int.MaxValue].Array[1, 4], Gen.Byte.Array[4], Gen.Int[0, 3])
        .Select(t =>
        {
            var (bytes, positions, values, how) = t;
            if (how == 0) return bytes[..(positions[0] % bytes.Length)];
            for (var i = 0; i < positions.Length; i++) bytes[positions[i] % bytes.Length] = values[i];
            return bytes;
        });

    private static readonly Gen<byte[]> GenAnyBytes = Gen.Frequency((3, GenMutated), (1, Gen.Byte.Array[0, 100]));

    [Fact]
    public void ValidCommands_RoundTrip()
    {
        GenEncoding.Sample(bytes =>
        {
            Assert.True(RegistryCommandCodec.TryDecode(bytes, out var back, out var error), error);
            Assert.Equal(bytes, RegistryCommandCodec.Encode(back!));
        }, iter: Iterations / 4, threads: 1);
    }

    [Fact]
    public void BadEncodings_DecodeOrGiveAnError_NeverThrow()
    {
        GenAnyBytes.Sample(bytes =>
        {
            if (RegistryCommandCodec.TryDecode(bytes, out var envelope, out var error))
            {
                Assert.Null(error);
                Assert.NotNull(envelope!.Command);
            }
            else
            {
                Assert.Null(envelope);
                Assert.False(string.IsNullOrEmpty(error));
            }
        }, iter: Iterations, threads: 1, print: Convert.ToHexString);
    }

    [Fact]
    public void BadBatches_DecodeOrGiveAnError_NeverThrow()
    {
        var batch = Gen.Frequency(
            (3, GenAnyBytes.Array[0, 4].Select(commands => RegistryCommandCodec.EncodeBatch(commands))),
            (1, Gen.Select(GenEncoding.Array[1, 4], Gen.Int[0, int.MaxValue], Gen.Byte).Select(t =>
            {
                var bytes = RegistryCommandCodec.EncodeBatch(t.Item1);
                bytes[t.Item2 % bytes.Length] = t.Item3;
                return bytes;
            })),
            (1, Gen.Byte.Array[0, 100]));
        batch.Sample(bytes =>
        {
            if (!RegistryCommandCodec.TryDecodeBatch(new ReadOnlySequence<byte>(bytes), out var commands, out var error))
            {
                Assert.False(string.IsNullOrEmpty(error));
                return;
            }
            Assert.All(commands, c => Assert.True(c.Envelope is null != c.Error is null, "each slot holds a command or an error"));
        }, iter: Iterations / 5, threads: 1, print: Convert.ToHexString);
    }

    [Fact]
    public void WellFormedMessagePack_OfTheWrongShape_GivesAnError()
    {
        // Documents that decode as MessagePack but not as a command: maps, strings, nested arrays, nils.
        var shapes = Gen.OneOf(
            Gen.String.Select(s => MessagePackSerializer.Serialize(s)),
            Gen.Int.Array[0, 5].Select(a => MessagePackSerializer.Serialize(a)),
            Gen.Select(Gen.Int, Gen.Guid).Select(t => MessagePackSerializer.Serialize(new object?[] { t.Item1, t.Item2.ToByteArray(), new object?[] { 99, null } })),
            Gen.Int[0, 40].Select(tag => MessagePackSerializer.Serialize(new object?[] { 1, Guid.Empty.ToByteArray(), new object?[] { tag, new object?[] { null, null, null, null } } })));
        shapes.Sample(bytes =>
        {
            Assert.False(RegistryCommandCodec.TryDecode(bytes, out _, out var error) && error is not null);
        }, iter: Iterations / 4, threads: 1, print: Convert.ToHexString);
    }

    /// <summary>Every byte of every kind of command set to nil, to an empty array and to an empty map in turn: the holes a hostile entry would punch.</summary>
    [Fact]
    public void EveryByteOfEveryKind_ReplacedByNilOrEmpty_DecodesOrGivesAnError()
    {
        var tried = 0;
        foreach (var command in Known)
        {
            var bytes = RegistryCommandCodec.Encode(new CommandEnvelope(RegistryCommandCodec.CurrentVersion, Guid.Empty, command));
            for (var i = 0; i < bytes.Length; i++)
                foreach (var hole in new byte[] { 0xc0, 0x90, 0x80 })
                {
                    var copy = (byte[])bytes.Clone();
                    copy[i] = hole;
                    var ok = RegistryCommandCodec.TryDecode(copy, out var envelope, out var error);
                    Assert.True(ok == (envelope is not null) && ok == (error is null), $"{command.GetType().Name}, byte {i} = {hole:x2}: {error}");
                    tried++;
                }
        }
        Assert.True(tried > 1_000, $"only {tried} encodings tried");
    }
}
