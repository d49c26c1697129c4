using System.Buffers.Binary;
using MessagePack;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Xunit;

namespace Mesos.HA.Protocol.Tests;

public class AgentFrameTests
{
    [Fact]
    public async Task EveryMessage_RoundTripsThroughAStream()
    {
        AgentMessage[] messages =
        [
            new RegisterAgent("h", "cpus:1", new Dictionary<string, string> { ["rack"] = "r1" }, 5051),
            new ReregisterAgent(new Registry.AgentInfo(new AgentId("a"), "h", "1.2.3.4:5051", "cpus:1", new Dictionary<string, string>()),
                [new RunningTask(new FrameworkId("f"), new TaskId("t"), "*", "cpus:1", TaskState.Running)]),
            new StatusUpdate(new FrameworkId("f"), new TaskId("t"), TaskState.Finished, Guid.NewGuid(), "done", "", 42),
            new AgentRegistered(new AgentId("a")), new NotLeader("127.0.0.1:5050"), new NotLeader(null),
            new RunTask(new FrameworkId("f"), new TaskId("t"), "n", "*", "cpus:1", "echo hi"),
            new RunTask(new FrameworkId("f"), new TaskId("t"), "n", "*", "cpus:1", "id -un") { FrameworkInfo = new FrameworkSummary("fw", "alice"), User = "bob" },
            new KillTask(new FrameworkId("f"), new TaskId("t"), 3000), new AcknowledgeUpdate(new FrameworkId("f"), new TaskId("t"), Guid.NewGuid()),
            new ShutdownAgent("gone"), new Ping(1), new Pong(1), new ProtocolError("bad"),
        ];
        var stream = new MemoryStream();
        foreach (var m in messages) stream.Write(FrameCodec.Encode(7, m));
        stream.Position = 0;
        foreach (var expected in messages)
        {
            var read = Assert.IsType<FrameRead.Ok>(await FrameCodec.ReadAsync(stream, CancellationToken.None));
            Assert.Equal(7, read.Frame.Term);
            Assert.Equal(MessagePackSerializer.Serialize(expected), MessagePackSerializer.Serialize(read.Frame.Message));
        }
        Assert.IsType<FrameRead.Closed>(await FrameCodec.ReadAsync(stream, CancellationToken.None));
    }

    /// <summary>The command's user (key 9) is optional: a launch from a master that does not send it (its array ends at key 8) reads as null.</summary>
    [Fact]
    public void RunTasksCommandUser_IsOptional_ForOlderMastersAndAgents()
    {
        var withUser = new RunTask(new FrameworkId("f"), new TaskId("t"), "n", "*", "cpus:1", "id -un") { FrameworkInfo = new FrameworkSummary("fw", "alice"), User = "bob" };
        var roundTripped = MessagePackSerializer.Deserialize<AgentMessage>(MessagePackSerializer.Serialize<AgentMessage>(withUser));
        Assert.Equal("bob", Assert.IsType<RunTask>(roundTripped).User);

        // An older master's launch: the same message with its array ending at key 8.
        var older = MessagePackSerializer.Deserialize<AgentMessage>(MessagePackSerializer.Serialize<AgentMessage>(withUser with { User = null }));
        Assert.Null(Assert.IsType<RunTask>(older).User);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(2); writer.Write(22);
        var fields = MessagePackSerializer.Deserialize<object[]>(MessagePackSerializer.Serialize(withUser));
        MessagePackSerializer.Serialize(ref writer, fields[..9]); // keys 0-8 only
        writer.Flush();
        var nineKeys = Assert.IsType<RunTask>(MessagePackSerializer.Deserialize<AgentMessage>(buffer.WrittenMemory));
        Assert.Equal((null, "alice", "id -un"), (nineKeys.User, nineKeys.FrameworkInfo?.User, nineKeys.Command));
    }

    [Fact]
    public async Task GarbagePayload_IsMalformed_AndTheNextFrameStillReads()
    {
        var stream = new MemoryStream();
        stream.Write([0, 0, 0, 3, 0xc1, 0xc1, 0xc1]); // 0xc1 is never valid MessagePack
        stream.Write(FrameCodec.Encode(1, new Ping(9)));
        stream.Position = 0;
        Assert.IsType<FrameRead.Malformed>(await FrameCodec.ReadAsync(stream, CancellationToken.None));
        var next = Assert.IsType<FrameRead.Ok>(await FrameCodec.ReadAsync(stream, CancellationToken.None));
        Assert.Equal(new Ping(9), next.Frame.Message);
    }

    [Fact]
    public async Task UnknownVersion_AndUnknownUnionTag_AreMalformed()
    {
        var payload = MessagePackSerializer.Serialize(new AgentFrame(99, 1, new Ping(1)));
        var stream = Framed(payload);
        var bad = Assert.IsType<FrameRead.Malformed>(await FrameCodec.ReadAsync(stream, CancellationToken.None));
        Assert.Contains("version 99", bad.Error);

        // A union tag nobody defined: [1, 1, [250, [1]]]
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(3); writer.Write(1); writer.Write(1L); writer.WriteArrayHeader(2); writer.Write(250); writer.WriteArrayHeader(1); writer.Write(1);
        writer.Flush();
        Assert.IsType<FrameRead.Malformed>(await FrameCodec.ReadAsync(Framed(buffer.WrittenSpan.ToArray()), CancellationToken.None));
    }

    [Fact]
    public async Task OversizedLength_IsReported_WithoutReadingTheBody()
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, FrameCodec.MaxFrameBytes + 1u);
        var read = Assert.IsType<FrameRead.Oversized>(await FrameCodec.ReadAsync(new MemoryStream(header), CancellationToken.None));
        Assert.Equal(FrameCodec.MaxFrameBytes + 1L, read.Length);
    }

    [Fact]
    public async Task StreamEndingInsideAFrame_IsClosed()
    {
        var frame = FrameCodec.Encode(1, new Ping(1));
        Assert.IsType<FrameRead.Closed>(await FrameCodec.ReadAsync(new MemoryStream(frame[..^1]), CancellationToken.None));
        Assert.IsType<FrameRead.Closed>(await FrameCodec.ReadAsync(new MemoryStream(frame[..2]), CancellationToken.None));
    }

    private static MemoryStream Framed(byte[] payload)
    {
        var stream = new MemoryStream();
        var header = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, payload.Length);
        stream.Write(header);
        stream.Write(payload);
        stream.Position = 0;
        return stream;
    }
}
