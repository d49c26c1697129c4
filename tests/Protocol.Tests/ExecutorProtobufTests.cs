using System.Text;
using System.Text.Json;
using Mesos.HA.Protocol.Http.V1;
using Xunit;
using ExecutorProto = Mesos.HA.Protocol.Proto.V1.Executor;

namespace Mesos.HA.Protocol.Tests;

/// <summary>
/// The executor API's protobuf encoding: every call and event survives JSON -> protobuf -> JSON, the
/// bytes use Mesos' field numbers (pinned against hand-encoded messages), and the quirks of proto3's
/// JSON mapping (int64 as strings, bytes as base64, explicit defaults) read back as they were sent.
/// </summary>
public class ExecutorProtobufTests
{
    private static readonly byte[] Uuid = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();

    public static TheoryData<string> CallTypes => new()
    {
        ExecutorCall.SubscribeType, ExecutorCall.UpdateType, ExecutorCall.MessageType, ExecutorCall.HeartbeatType,
    };

    [Theory]
    [MemberData(nameof(CallTypes))]
    public void EveryCallType_RoundTripsThroughProtobuf(string type)
    {
        var call = SampleCall(type);
        var bytes = ExecutorProtobuf.ToProtobuf(call);

        var decoded = ExecutorProto.Call.Parser.ParseFrom(bytes);
        Assert.Equal(("fw1", "ex1"), (decoded.FrameworkId.Value, decoded.ExecutorId.Value));
        Assert.Equal(type, decoded.Type.ToString().ToUpperInvariant());
        Assert.Equal(type == ExecutorCall.SubscribeType, decoded.Subscribe is not null);
        Assert.Equal(type == ExecutorCall.UpdateType, decoded.Update is not null);
        Assert.Equal(type == ExecutorCall.MessageType, decoded.Message is not null);

        Assert.True(ExecutorProtobuf.TryCallToJson(bytes, out var json, out var error), error);
        var back = TolerantJson.Read(json, ExecutorJsonContext.Default.ExecutorCall);
        Assert.Equal(Text(ExecutorJsonContext.Write(call)), Text(ExecutorJsonContext.Write(back!)));
    }

    [Fact]
    public void AnUpdate_CarriesItsUuidAsSixteenBytes_AndItsEnumsAsMesosNumbers()
    {
        var decoded = ExecutorProto.Call.Parser.ParseFrom(ExecutorProtobuf.ToProtobuf(SampleCall(ExecutorCall.UpdateType)));
        var status = decoded.Update.Status;
        Assert.Equal(Uuid, status.Uuid.ToByteArray());
        Assert.Equal(1, (int)status.State); // TASK_RUNNING
        Assert.Equal(2, (int)status.Source); // SOURCE_EXECUTOR
        Assert.Equal(29, (int)status.Reason); // REASON_TASK_HEALTH_CHECK_STATUS_UPDATED
        Assert.True(status.HasHealthy);
        Assert.False(status.Healthy);
    }

    /// <summary>An UPDATE encoded by hand with Mesos' field numbers, as a Mesos executor library sends it.</summary>
    [Fact]
    public void AMesosEncodedUpdate_TranscodesToTheJsonCall()
    {
        var status = Len(1, Str(1, "t1")).Concat(Varint(2, 1)).Concat(Varint(9, 2)).Concat(Len(11, Uuid)).ToArray();
        var bytes = Len(1, Str(1, "ex1")).Concat(Len(2, Str(1, "fw1"))).Concat(Varint(3, 2)).Concat(Len(5, Len(1, status))).ToArray();

        Assert.True(ExecutorProtobuf.TryCallToJson(bytes, out var json, out var error), error);
        var call = TolerantJson.Read(json, ExecutorJsonContext.Default.ExecutorCall)!;
        Assert.Equal((ExecutorCall.UpdateType, "fw1", "ex1"), (call.Type, call.FrameworkId!.Value, call.ExecutorId!.Value));
        var parsed = call.Update!.Status!;
        Assert.Equal(("t1", "TASK_RUNNING", "SOURCE_EXECUTOR"), (parsed.TaskId!.Value, parsed.State, parsed.Source));
        Assert.Equal(Convert.ToBase64String(Uuid), parsed.Uuid);
    }

    /// <summary>Events leave with Mesos' field numbers: pinned byte for byte.</summary>
    [Fact]
    public void AcknowledgedAndKillEvents_AreEncodedWithMesosFieldNumbers()
    {
        var acknowledged = new ExecutorEvent
        {
            Type = ExecutorEvent.AcknowledgedType,
            Acknowledged = new ExecutorAcknowledgedEvent { TaskId = Id.Of("t1"), Uuid = Convert.ToBase64String(Uuid) },
        };
        Assert.Equal(Varint(1, 4).Concat(Len(3, Len(1, Str(1, "t1")).Concat(Len(2, Uuid)).ToArray())), ExecutorProtobuf.ToProtobuf(acknowledged));

        var kill = new ExecutorEvent
        {
            Type = ExecutorEvent.KillType,
            Kill = new ExecutorKillEvent { TaskId = Id.Of("t2"), KillPolicy = new KillPolicy { GracePeriod = new DurationInfo { Nanoseconds = 1_500_000_000 } } },
        };
        Assert.Equal(Varint(1, 3).Concat(Len(5, Len(1, Str(1, "t2")).Concat(Len(2, Len(1, Varint(1, 1_500_000_000)))).ToArray())),
            ExecutorProtobuf.ToProtobuf(kill));
    }

    public static TheoryData<string> EventTypes => new()
    {
        ExecutorEvent.SubscribedType, ExecutorEvent.LaunchType, ExecutorEvent.KillType, ExecutorEvent.AcknowledgedType,
        ExecutorEvent.MessageType, ExecutorEvent.ErrorType, ExecutorEvent.ShutdownType, ExecutorEvent.HeartbeatType,
    };

    [Theory]
    [MemberData(nameof(EventTypes))]
    public void EveryEventType_RoundTripsThroughProtobuf(string type)
    {
        var e = SampleEvent(type);
        var bytes = ExecutorProtobuf.ToProtobuf(e);
        Assert.Equal(type, ExecutorProto.Event.Parser.ParseFrom(bytes).Type.ToString().ToUpperInvariant());
        var back = TolerantJson.Read(ExecutorProtobuf.EventToJson(bytes), ExecutorJsonContext.Default.ExecutorEvent);
        Assert.Equal(Text(ExecutorJsonContext.Write(e)), Text(ExecutorJsonContext.Write(back!)));
    }

    /// <summary>proto3's JSON writes int64 as strings: the contracts read them as numbers again.</summary>
    [Fact]
    public void Int64AsJsonStrings_ReadBackAsNumbers()
    {
        var json = ExecutorProtobuf.EventToJson(ExecutorProtobuf.ToProtobuf(SampleEvent(ExecutorEvent.KillType)));
        using (var document = JsonDocument.Parse(json))
            Assert.Equal("1500000000", document.RootElement.GetProperty("kill").GetProperty("kill_policy").GetProperty("grace_period").GetProperty("nanoseconds").GetString());
        Assert.Equal(1_500_000_000L, TolerantJson.Read(json, ExecutorJsonContext.Default.ExecutorEvent)!.Kill!.KillPolicy!.GracePeriod!.Nanoseconds);

        Assert.True(ExecutorProtobuf.TryCallToJson(ExecutorProtobuf.ToProtobuf(SampleCall(ExecutorCall.SubscribeType)), out var call, out _));
        var range = TolerantJson.Read(call, ExecutorJsonContext.Default.ExecutorCall)!.Subscribe!.UnacknowledgedTasks![0]!.Resources![1]!.Ranges!.Range![0]!;
        Assert.Equal((31000L, 31005L), (range.Begin, range.End));
    }

    [Theory]
    [InlineData(new byte[] { 0x0A, 0x05, 0x01 })] // field 1 claims 5 bytes, 1 follows
    [InlineData(new byte[] { 0x0F })] // wire type 7 does not exist
    [InlineData(new byte[] { 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF })] // a varint longer than 10 bytes
    public void MalformedBytes_AreRefusedWithAReason(byte[] bytes)
    {
        Assert.False(ExecutorProtobuf.TryCallToJson(bytes, out _, out var error));
        Assert.StartsWith("malformed protobuf: ", error);
    }

    [Fact]
    public void AnEmptyBody_IsAnEmptyCall_LeftToTheCallerToRefuse()
    {
        Assert.True(ExecutorProtobuf.TryCallToJson([], out var json, out _));
        using var document = JsonDocument.Parse(json);
        Assert.Empty(document.RootElement.EnumerateObject());
    }

    private static ExecutorCall SampleCall(string type)
    {
        var call = new ExecutorCall { Type = type, FrameworkId = Id.Of("fw1"), ExecutorId = Id.Of("ex1") };
        return type switch
        {
            ExecutorCall.SubscribeType => call with
            {
                Subscribe = new ExecutorSubscribeCall { UnacknowledgedTasks = [SampleTask()], UnacknowledgedUpdates = [SampleUpdate()] },
            },
            ExecutorCall.UpdateType => call with { Update = SampleUpdate() },
            ExecutorCall.MessageType => call with { Message = new ExecutorMessageCall { Data = Convert.ToBase64String("hello"u8.ToArray()) } },
            _ => call,
        };
    }

    private static ExecutorUpdateCall SampleUpdate() => new()
    {
        Status = new Http.V1.TaskStatus
        {
            TaskId = Id.Of("t1"), State = "TASK_RUNNING", Source = "SOURCE_EXECUTOR", AgentId = Id.Of("a1"), Message = "up",
            Reason = "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED", Uuid = Convert.ToBase64String(Uuid), Timestamp = 1_700_000_000.25,
            ExecutorId = Id.Of("ex1"), Healthy = false, Data = Convert.ToBase64String([0, 1, 2]),
        },
    };

    private static TaskInfo SampleTask() => new()
    {
        Name = "task one",
        TaskId = Id.Of("t1"),
        AgentId = Id.Of("a1"),
        Resources = SampleResources(),
        Command = new CommandInfo { Value = "sleep 1", Shell = false },
        Executor = SampleExecutor(),
        HealthCheck = new HealthCheck
        {
            Type = "HTTP", DelaySeconds = 1.5, IntervalSeconds = 2, TimeoutSeconds = 3, ConsecutiveFailures = 4, GracePeriodSeconds = 0,
            Http = new HttpCheck { Port = 8080, Path = "/ok", Scheme = "http" },
        },
    };

    private static ExecutorInfo SampleExecutor() => new()
    {
        Type = "CUSTOM", ExecutorId = Id.Of("ex1"), FrameworkId = Id.Of("fw1"),
        Command = new CommandInfo { Value = "./executor", Shell = true }, Resources = SampleResources(), Name = "my executor",
    };

    private static List<Resource?> SampleResources() =>
    [
        new Resource
        {
            Name = "cpus", Type = "SCALAR", Scalar = new ScalarValue { Value = 0.5 },
            Reservations = [new Reservation { Type = "STATIC", Role = "web" }], AllocationInfo = new AllocationInfo { Role = "web" },
        },
        new Resource { Name = "ports", Type = "RANGES", Ranges = new RangesValue { Range = [new RangeValue { Begin = 31000, End = 31005 }] } },
        new Resource { Name = "disks", Type = "SET", Set = new SetValue { Item = ["sda", "sdb"] } },
    ];

    private static ExecutorEvent SampleEvent(string type) => type switch
    {
        ExecutorEvent.SubscribedType => new ExecutorEvent
        {
            Type = type,
            Subscribed = new ExecutorSubscribedEvent
            {
                ExecutorInfo = SampleExecutor(),
                FrameworkInfo = new FrameworkInfo { Id = Id.Of("fw1"), Role = "web" },
                AgentInfo = new ExecutorAgentInfo { Id = Id.Of("a1"), Hostname = "node-1", Port = 5051 },
            },
        },
        ExecutorEvent.LaunchType => new ExecutorEvent { Type = type, Launch = new ExecutorLaunchEvent { Task = SampleTask() } },
        ExecutorEvent.KillType => new ExecutorEvent
        {
            Type = type,
            Kill = new ExecutorKillEvent { TaskId = Id.Of("t1"), KillPolicy = new KillPolicy { GracePeriod = new DurationInfo { Nanoseconds = 1_500_000_000 } } },
        },
        ExecutorEvent.AcknowledgedType => new ExecutorEvent
        {
            Type = type, Acknowledged = new ExecutorAcknowledgedEvent { TaskId = Id.Of("t1"), Uuid = Convert.ToBase64String(Uuid) },
        },
        ExecutorEvent.MessageType => new ExecutorEvent { Type = type, Message = new ExecutorMessageEvent { Data = Convert.ToBase64String("do it"u8.ToArray()) } },
        ExecutorEvent.ErrorType => new ExecutorEvent { Type = type, Error = new ErrorEvent { Message = "something broke" } },
        _ => new ExecutorEvent { Type = type },
    };

    // Hand encoding, for pinning field numbers: a tag is (number << 3) | wire type; all numbers here are below 16.
    private static byte[] Varint(int number, long value) => [(byte)(number << 3), .. VarintBytes((ulong)value)];

    private static byte[] Len(int number, byte[] payload) => [(byte)((number << 3) | 2), .. VarintBytes((ulong)payload.Length), .. payload];

    private static byte[] Str(int number, string text) => Len(number, Encoding.UTF8.GetBytes(text));

    private static byte[] VarintBytes(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var low = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? low : (byte)(low | 0x80));
        } while (value != 0);
        return [.. bytes];
    }

    private static string Text(byte[] utf8) => Encoding.UTF8.GetString(utf8);
}
