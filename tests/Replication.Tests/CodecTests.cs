using System.Buffers;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using MessagePack;
using Xunit;
using static Mesos.HA.Replication.Tests.Commands;

namespace Mesos.HA.Replication.Tests;

public class CodecTests
{
    public static TheoryData<RegistryCommand> EveryCommand => new()
    {
        Admit("a1"),
        new MarkAgentUnreachable(new AgentId("a1"), 5),
        new ReadmitAgent(AgentNamed("a1"), 6),
        new MarkAgentGone(new AgentId("a1"), 7),
        new RemoveAgent(new AgentId("a1")),
        AddFramework("f1"),
        new UpdateFramework(new FrameworkId("f1"), Framework("x", "web", "batch"), 5_000, FrameworkConnectionChange.Disconnected, 8),
        new RemoveFramework(new FrameworkId("f1")),
        new SetWeights([new RoleWeight("web", 2), new RoleWeight("eng/ml", 0.25)]),
        new SetQuota(new QuotaRecord("web", "cpus:4;mem:1024", "cpus:8")),
        new DeactivateAgent(new AgentId("a1")),
        new DrainAgent(new AgentId("a1"), 5_000, MarkGone: true),
        new DrainAgent(new AgentId("a1"), null, MarkGone: false),
        new ReactivateAgent(new AgentId("a1")),
        new MarkAgentDrained(new AgentId("a1")),
        new UpdateMaintenanceSchedule([
            new MaintenanceWindow([MachineId.Of("Host-A", ""), MachineId.Of("", "10.0.0.7")], new Unavailability(1_767_225_600_123_456_789, null)),
            new MaintenanceWindow([MachineId.Of("host-b", "10.0.0.8")], new Unavailability(5, 7_200_000_000_000)),
        ]),
        new UpdateMaintenanceSchedule([]),
        new StartMaintenance([MachineId.Of("host-a", "")]),
        new StopMaintenance([MachineId.Of("", "10.0.0.7"), MachineId.Of("host-b", "10.0.0.8")]),
        new SetInverseOfferStatus(MachineId.Of("host-a", ""), new FrameworkId("f1"), InverseOfferAnswer.Decline, 9),
    };

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public void EveryCommand_RoundTripsThroughItsEncoding(RegistryCommand command)
    {
        var envelope = new CommandEnvelope(RegistryCommandCodec.CurrentVersion, Guid.NewGuid(), command);
        var bytes = RegistryCommandCodec.Encode(envelope);
        Assert.True(RegistryCommandCodec.TryDecode(bytes, out var back, out var error), error);
        Assert.Equal(envelope.RequestId, back!.RequestId);
        Assert.Equal(command.GetType(), back.Command.GetType());
        // Records holding lists compare lists by reference: compare encodings instead.
        Assert.Equal(bytes, RegistryCommandCodec.Encode(back));
    }

    [Fact]
    public void Batch_RoundTrips_InOrder()
    {
        var envelopes = ((IEnumerable<object[]>)EveryCommand).Select(row => new CommandEnvelope(RegistryCommandCodec.CurrentVersion, Guid.NewGuid(), (RegistryCommand)row[0])).ToArray();
        var batch = RegistryCommandCodec.EncodeBatch([.. envelopes.Select(e => RegistryCommandCodec.Encode(e))]);
        Assert.True(RegistryCommandCodec.TryDecodeBatch(new ReadOnlySequence<byte>(batch), out var commands, out var error), error);
        Assert.Equal(envelopes.Select(e => e.RequestId), commands.Select(c => c.Envelope!.RequestId));
        Assert.All(commands, c => Assert.Null(c.Error));
    }

    [Fact]
    public void Decode_Garbage_IsRejectedWithAReason()
    {
        Assert.False(RegistryCommandCodec.TryDecode(new byte[] { 0x93, 0xff, 0x00 }, out var envelope, out var error));
        Assert.Null(envelope);
        Assert.StartsWith("malformed command", error);
        Assert.False(RegistryCommandCodec.TryDecodeBatch(new ReadOnlySequence<byte>([0xde, 0xad]), out _, out var batchError));
        Assert.StartsWith("malformed entry", batchError);
    }

    [Fact]
    public void Decode_UnknownUnionTag_IsRejected()
    {
        // [version, request id, [tag 99, {}]]: a command type this version does not know.
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(3);
        writer.Write(RegistryCommandCodec.CurrentVersion);
        MessagePackSerializer.Serialize(ref writer, Guid.NewGuid());
        writer.WriteArrayHeader(2);
        writer.Write(99);
        writer.WriteArrayHeader(0);
        writer.Flush();
        Assert.False(RegistryCommandCodec.TryDecode(buffer.WrittenMemory, out _, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Decode_FutureVersion_IsRejected()
    {
        var future = new CommandEnvelope(RegistryCommandCodec.CurrentVersion + 1, Guid.NewGuid(), Admit("a1"));
        var bytes = MessagePackSerializer.Serialize(future);
        Assert.False(RegistryCommandCodec.TryDecode(bytes, out _, out var error));
        Assert.Contains("version", error);
        Assert.Throws<InvalidRegistryCommandException>(() => RegistryCommandCodec.Encode(future));
    }

    [Fact]
    public void Decode_ValidEncodingOfAnInvalidCommand_IsRejected()
    {
        var bad = new CommandEnvelope(RegistryCommandCodec.CurrentVersion, Guid.NewGuid(), new RemoveAgent(new AgentId("")));
        Assert.False(RegistryCommandCodec.TryDecode(MessagePackSerializer.Serialize(bad), out _, out var error));
        Assert.Equal("agent id is empty", error);
    }

    [Fact]
    public void Encode_OversizedCommand_IsRejected()
    {
        var huge = new SetWeights([.. Enumerable.Range(0, 1000).Select(i => new RoleWeight($"role-{i}-" + new string('r', 200), 2))]);
        var e = Assert.Throws<InvalidRegistryCommandException>(() =>
            RegistryCommandCodec.Encode(new CommandEnvelope(RegistryCommandCodec.CurrentVersion, Guid.NewGuid(), huge)));
        Assert.Contains("limit", e.Message);
    }

    public static TheoryData<RegistryCommand, string> InvalidCommands => new()
    {
        { new RemoveAgent(new AgentId("has space")), "whitespace" },
        { new AdmitAgent(AgentNamed("a1") with { Hostname = "" }, 1), "hostname is empty" },
        { new AdmitAgent(AgentNamed("a1") with { Resources = "" }, 1), "resources: resources are empty" },
        { new AdmitAgent(AgentNamed("a1") with { Resources = "cpus:-4" }, 1), "non-negative" },
        { new SetQuota(new QuotaRecord("web", "cpus:x", "")), "quota guarantees" },
        { new AdmitAgent(AgentNamed("a1"), -1), "timestamp is negative" },
        { new AddFramework(new FrameworkId("f"), Framework() with { Roles = [] }, 1, 1), "no role" },
        { new AddFramework(new FrameworkId("f"), Framework("x", "web", "web"), 1, 1), "repeat" },
        { new AddFramework(new FrameworkId("f"), Framework("x", ".."), 1, 1), "'.' or '..'" },
        { new AddFramework(new FrameworkId("f"), Framework("x", "-web"), 1, 1), "'-'" },
        { new AddFramework(new FrameworkId("f"), Framework(), -5, 1), "negative" },
        { new UpdateFramework(new FrameworkId("f"), null, null, (FrameworkConnectionChange)7, 1), "unknown connection change" },
        { new SetWeights([]), "no weights" },
        { new SetWeights([new RoleWeight("web", 0)]), "positive" },
        { new SetWeights([new RoleWeight("web", double.NaN)]), "positive" },
        { new SetWeights([new RoleWeight("web", 2), new RoleWeight("web", 3)]), "twice" },
        { new SetWeights([new RoleWeight("*", 2)]), "'*'" },
        { new SetQuota(new QuotaRecord("*", "cpus:1", "")), "'*'" },
    };

    [Theory]
    [MemberData(nameof(InvalidCommands))]
    public void Validate_InvalidCommand_SaysWhatIsWrong(RegistryCommand command, string expected)
    {
        var error = RegistryCommandValidator.Validate(command);
        Assert.NotNull(error);
        Assert.Contains(expected, error);
        Assert.Throws<InvalidRegistryCommandException>(() =>
            RegistryCommandCodec.Encode(new CommandEnvelope(RegistryCommandCodec.CurrentVersion, Guid.NewGuid(), command)));
    }
}
