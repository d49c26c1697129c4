using System.Text;
using Google.Protobuf;
using Mesos.HA.Agent.Core;
using Mesos.HA.Agent.Executors;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Http.V1;
using Mesos.HA.Protocol.Registry;
using Xunit;
using ExecutorProto = Mesos.HA.Protocol.Proto.V1.Executor;
using MesosProto = Mesos.HA.Protocol.Proto.V1;

namespace Mesos.HA.Agent.Tests;

/// <summary>
/// The agent's side of the protobuf encoding without HTTP: every event the agent writes has a protobuf
/// form, and calls transcoded from protobuf (proto3 JSON: int64 as strings, enums by name) read like JSON calls.
/// </summary>
public sealed class ExecutorProtobufEdgeTests
{
    private static readonly FrameworkId F = new("fw1");
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    public static TheoryData<string> AgentEvents => new() { "subscribed", "launch", "kill", "acknowledged", "message", "shutdown", "error", "heartbeat" };

    [Theory]
    [MemberData(nameof(AgentEvents))]
    public void EveryEventTheAgentWrites_HasAProtobufForm_ThatReadsBackAsTheSameJson(string kind)
    {
        var spec = new ExecutorSpec("ex1", "my executor", "./run", "cpus:0.1;mem:32;ports:[31000-31005];zones:{a,b}");
        var e = kind switch
        {
            "subscribed" => ExecutorJson.ToEvent(new SubscribedOut(new ExecutorCheckpoint(F, "web", spec, "run1", 0),
                new AgentInfo(new AgentId("a1"), "node-1", "node-1:5051", "cpus:2", new Dictionary<string, string>()))),
            "launch" => ExecutorJson.ToEvent(new LaunchOut(new RunTask(F, new TaskId("t1"), "one", "web", "cpus:0.1;mem:16;ports:[31000-31000]", "", spec,
                new HealthCheckSpec(HealthCheckKind.Http, "", 8080, "/ok", "http")), new AgentId("a1"))),
            "kill" => ExecutorJson.ToEvent(new KillOut(new TaskId("t1"), TimeSpan.FromSeconds(3))),
            "acknowledged" => ExecutorJson.ToEvent(new AcknowledgedOut(new TaskId("t1"), Guid.NewGuid())),
            "message" => ExecutorJson.ToEvent(new MessageOut([1, 2, 3])),
            "shutdown" => ExecutorJson.ToEvent(new ShutdownOut()),
            "error" => ExecutorJson.ToEvent(new ErrorOut("no")),
            _ => ExecutorJson.Heartbeat,
        };
        var bytes = ExecutorProtobuf.ToProtobuf(e);
        Assert.Equal(e.Type, ExecutorProto.Event.Parser.ParseFrom(bytes).Type.ToString().ToUpperInvariant());
        var back = TolerantJson.Read(ExecutorProtobuf.EventToJson(bytes), ExecutorJsonContext.Default.ExecutorEvent)!;
        Assert.Equal(Encoding.UTF8.GetString(ExecutorJsonContext.Write(e)), Encoding.UTF8.GetString(ExecutorJsonContext.Write(back)));
    }

    [Fact]
    public void ASubscribeFromProtobuf_WithUnacknowledgedTasksAndUpdates_ReadsAsTheJsonCallWould()
    {
        var uuid = Guid.NewGuid();
        var call = new ExecutorProto.Call
        {
            Type = ExecutorProto.Call.Types.Type.Subscribe,
            FrameworkId = new MesosProto.FrameworkID { Value = F.Value },
            ExecutorId = new MesosProto.ExecutorID { Value = "ex1" },
            Subscribe = new ExecutorProto.Call.Types.Subscribe
            {
                UnacknowledgedTasks =
                {
                    new MesosProto.TaskInfo
                    {
                        Name = "one", TaskId = new MesosProto.TaskID { Value = "t1" },
                        Resources =
                        {
                            new MesosProto.Resource
                            {
                                Name = "ports", Type = MesosProto.Value.Types.Type.Ranges,
                                Ranges = new MesosProto.Value.Types.Ranges { Range = { new MesosProto.Value.Types.Range { Begin = 31000, End = 31001 } } },
                            },
                        },
                    },
                },
                UnacknowledgedUpdates =
                {
                    new ExecutorProto.Call.Types.Update
                    {
                        Status = new MesosProto.TaskStatus
                        {
                            TaskId = new MesosProto.TaskID { Value = "t1" }, State = MesosProto.TaskState.TaskFinished,
                            Uuid = ByteString.CopyFrom(uuid.ToByteArray()), Data = ByteString.CopyFromUtf8("done"),
                            Reason = MesosProto.TaskStatus.Types.Reason.CommandExecutorFailed, Healthy = false,
                        },
                    },
                },
            },
        };
        Assert.True(ExecutorProtobuf.TryCallToJson(call.ToByteArray(), out var json, out var malformed), malformed);
        var (executor, body) = ExecutorJson.TryRead(json, Now, out var error) ?? throw new Xunit.Sdk.XunitException(error);
        Assert.Equal(new ExecutorKey(F, "ex1"), executor);
        var subscribe = Assert.IsType<SubscribeBody>(body);
        Assert.Equal(new TaskId("t1"), Assert.Single(subscribe.UnacknowledgedTasks));
        var update = Assert.Single(subscribe.UnacknowledgedUpdates);
        Assert.Equal((TaskState.Finished, uuid, "REASON_COMMAND_EXECUTOR_FAILED", "done"),
            (update.State, update.Uuid, update.Reason, Encoding.UTF8.GetString(update.Details!.Data!)));
        Assert.False(update.Details.Healthy);
    }

    [Fact]
    public void AnUpdateFromProtobuf_WithAShortUuid_IsRefusedByName()
    {
        var call = new ExecutorProto.Call
        {
            Type = ExecutorProto.Call.Types.Type.Update,
            FrameworkId = new MesosProto.FrameworkID { Value = F.Value },
            ExecutorId = new MesosProto.ExecutorID { Value = "ex1" },
            Update = new ExecutorProto.Call.Types.Update
            {
                Status = new MesosProto.TaskStatus
                {
                    TaskId = new MesosProto.TaskID { Value = "t1" }, State = MesosProto.TaskState.TaskRunning, Uuid = ByteString.CopyFromUtf8("short"),
                },
            },
        };
        Assert.True(ExecutorProtobuf.TryCallToJson(call.ToByteArray(), out var json, out _));
        Assert.Null(ExecutorJson.TryRead(json, Now, out var error));
        Assert.Equal("update.status.uuid must be 16 bytes in base64", error);
    }

    /// <summary>proto3 JSON writes an enum number it has no name for as a number; the refusal says which field it was.</summary>
    [Fact]
    public void AnUpdateFromProtobuf_WithAnUnknownStateNumber_IsRefusedNamingTheField()
    {
        var call = new ExecutorProto.Call
        {
            Type = ExecutorProto.Call.Types.Type.Update,
            FrameworkId = new MesosProto.FrameworkID { Value = F.Value },
            ExecutorId = new MesosProto.ExecutorID { Value = "ex1" },
            Update = new ExecutorProto.Call.Types.Update
            {
                Status = new MesosProto.TaskStatus
                {
                    TaskId = new MesosProto.TaskID { Value = "t1" }, State = (MesosProto.TaskState)99, Uuid = ByteString.CopyFrom(Guid.NewGuid().ToByteArray()),
                },
            },
        };
        Assert.True(ExecutorProtobuf.TryCallToJson(call.ToByteArray(), out var json, out _));
        Assert.Null(ExecutorJson.TryRead(json, Now, out var error));
        Assert.Equal("update.status.state is required: a task state's name (values of the wrong kind were left out: update.status.state)", error);
    }
}
