using System.Buffers.Binary;
using CsCheck;
using MessagePack;
using Mesos.HA.Protocol.Agent;
using Xunit;

namespace Mesos.HA.Protocol.Tests;

/// <summary>
/// The agent channel's frame codec under generated input: generated messages round-trip; random or
/// mutated bytes read as Malformed, Oversized or Closed, never as an exception. A failure prints
/// CsCheck's seed; pass it as <c>seed:</c> to replay.
/// </summary>
public class FrameCodecPropertyTests
{
    private const int Iterations = 2_000;

    private static readonly Gen<string> Text = Gen.String[Gen.Char, 0, 40];

    /// <summary>One of the channel's messages, with generated fields.</summary>
    public static readonly Gen<AgentMessage> GenMessage = Gen.OneOf<AgentMessage>(
        Gen.Select(Text, Text, Gen.Int).Select(t => (AgentMessage)new RegisterAgent(t.Item1, t.Item2, new Dictionary<string, string> { [t.Item1] = t.Item2 }, t.Item3)),
        Gen.Select(Text, Text, Gen.Enum<TaskState>(), Gen.Guid, Gen.Long).Select(t =>
            (AgentMessage)new StatusUpdate(new FrameworkId(t.Item1), new TaskId(t.Item2), t.Item3, t.Item4, t.Item1, t.Item2, t.Item5,
                new UpdateDetails(t.Item1, true, [1, 2, 3], "SOURCE_EXECUTOR"))),
        Gen.Select(Text, Text, Text).Select(t => (AgentMessage)new RunTask(new FrameworkId(t.Item1), new TaskId(t.Item2), t.Item3, "*", "cpus:1", t.Item3,
            new ExecutorSpec(t.Item1, t.Item2, t.Item3, "mem:32"), new HealthCheckSpec(HealthCheckKind.Tcp, "", 80, "/", "http"))
            { FrameworkInfo = new FrameworkSummary(t.Item1, t.Item2), User = t.Item3.Length % 2 == 0 ? null : t.Item3 }),
        Gen.Select(Text, Text, Gen.Long).Select(t => (AgentMessage)new KillTask(new FrameworkId(t.Item1), new TaskId(t.Item2), t.Item3)),
        Gen.Select(Text, Gen.Byte.Array[0, 100]).Select(t => (AgentMessage)new FrameworkToExecutor(new FrameworkId(t.Item1), t.Item1, t.Item2)),
        Text.Select(t => (AgentMessage)new NotLeader(t.Length == 0 ? null : t)),
        Gen.Long.Select(s => (AgentMessage)new Ping(s)),
        Gen.Long.Select(s => (AgentMessage)new Pong(s)),
        Text.Select(t => (AgentMessage)new ProtocolError(t)));

    private static FrameRead Read(byte[] bytes) => FrameCodec.ReadAsync(new MemoryStream(bytes), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    [Fact]
    public void GeneratedMessages_RoundTrip()
    {
        Gen.Select(GenMessage, Gen.Long).Sample(sample =>
        {
            var (message, term) = sample;
            var read = Assert.IsType<FrameRead.Ok>(Read(FrameCodec.Encode(term, message)));
            Assert.Equal(term, read.Frame.Term);
            Assert.Equal(MessagePackSerializer.Serialize(message), MessagePackSerializer.Serialize(read.Frame.Message));
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void RandomPayloads_AreMalformed_OrOk_NeverAnException()
    {
        Gen.Byte.Array[0, 200].Sample(payload =>
        {
            var header = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(header, payload.Length);
            var read = Read([.. header, .. payload]);
            Assert.True(read is FrameRead.Malformed or FrameRead.Ok, read.ToString());
        }, iter: Iterations * 5, threads: 1, print: Convert.ToHexString);
    }

    [Fact]
    public void RandomStreams_GiveAKnownOutcome_NeverAnException()
    {
        Gen.Byte.Array[0, 64].Sample(bytes =>
        {
            var read = Read(bytes);
            Assert.True(read is FrameRead.Malformed or FrameRead.Oversized or FrameRead.Closed or FrameRead.Ok, read.ToString());
        }, iter: Iterations * 5, threads: 1, print: Convert.ToHexString);
    }

    [Fact]
    public void MutatedFrames_AreMalformed_OrOk_NeverAnException()
    {
        Gen.Select(GenMessage, Gen.Int[0, int.MaxValue].Array[1, 4], Gen.Byte.Array[4]).Sample(sample =>
        {
            var (message, positions, values) = sample;
            var frame = FrameCodec.Encode(1, message);
            // Bytes after the length prefix change; the prefix keeps the stream aligned.
            for (var i = 0; i < positions.Length; i++) frame[4 + positions[i] % (frame.Length - 4)] = values[i];
            var read = Read(frame);
            Assert.True(read is FrameRead.Malformed or FrameRead.Ok, read.ToString());
        }, iter: Iterations * 5, threads: 1);
    }

    [Fact]
    public void TruncatedPayload_WithItsLengthRewritten_IsMalformed_OrOk()
    {
        Gen.Select(GenMessage, Gen.Int[0, int.MaxValue]).Sample(sample =>
        {
            var (message, cut) = sample;
            var payload = FrameCodec.Encode(1, message)[4..];
            var read = FrameCodec.Decode(payload.AsMemory(0, cut % payload.Length));
            Assert.True(read is FrameRead.Malformed or FrameRead.Ok, read.ToString());
        }, iter: Iterations, threads: 1);
    }
}
