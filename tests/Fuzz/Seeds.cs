using System.Text;
using Mesos.HA.Master.Http;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Http;
using Mesos.HA.Protocol.Http.V1;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Tests.Support;

namespace Mesos.HA.Fuzz;

/// <summary>
/// The seed corpora (committed under corpus/&lt;target&gt;/): a few valid inputs per target, from the
/// property tests' corpus where there is one, and a few near-valid ones each parser must refuse.
/// </summary>
internal static class Seeds
{
    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Filled(string template) => Utf8(FuzzCorpus.Fill(template));

    public static void WriteAll(string root)
    {
        Write(root, "scheduler-json", [.. FuzzCorpus.SchedulerCalls.Select(Filled),
            Utf8("""{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":[{"value":1}]}}"""),
            Utf8("""{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"n","failover_timeout":1e400}}}"""),
            Utf8("""{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"\u00e9\ud83d\ude00","user":"\"u\\"}}}""")]);
        Write(root, "operator-json", [.. FuzzCorpus.OperatorCalls.Select(Filled),
            Utf8("""{"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[{"role":"","weight":-1}]}}"""),
            Utf8("""{"type":"GET_\u0048EALTH","x":"\ud83d\ude00"}""")]);
        Write(root, "api-msgpack", [.. FuzzCorpus.SchedulerCalls.Take(5).Concat(FuzzCorpus.OperatorCalls.Skip(4).Take(3))
            .Select(call => ApiEncoding.ToMessagePack(Filled(call))), [0x81, 0xa4, (byte)'t', (byte)'y', (byte)'p', (byte)'e', 0xc0]]);
        Write(root, "maintenance-json", [Filled(FuzzCorpus.MaintenanceSchedule), Filled(FuzzCorpus.MachineList),
            Utf8("""{"windows":[{"machine_ids":[{}],"unavailability":{"start":{"nanoseconds":-1}}}]}"""), Utf8("""[{"hostname":""}]"""),
            Utf8("""[{"hostname":"h\u00e9\ud83d\ude00","ip":"10.0.0.1"}]""")]);
        Write(root, "executor-json", [.. FuzzCorpus.ExecutorCalls.Select(Filled),
            Utf8("""{"type":"UPDATE","framework_id":{"value":"f"},"executor_id":{"value":"e"},"update":{"status":{"state":"TASK_NOPE"}}}"""),
            Utf8("""{"type":"HEARTBEAT","framework_id":{"value":"\ud83d\ude00"},"executor_id":{"value":"\u0065"}}""")]);
        Write(root, "executor-protobuf", [.. FuzzCorpus.ExecutorCalls.Select(call =>
            ExecutorProtobuf.ToProtobuf(TolerantJson.Read(Filled(call), ExecutorJsonContext.Default.ExecutorCall)!)), [0x08, 0xff, 0xff, 0xff, 0xff, 0x0f]]);
        Write(root, "frame-codec", Frames());
        Write(root, "recordio", [[7, .. RecordIO.Frame(Utf8("""{"type":"HEARTBEAT"}""")), .. RecordIO.Frame([])],
            [0, .. RecordIO.Frame(Utf8("abc")), .. RecordIO.Frame(Utf8("defgh"))], [255, .. Utf8("12\n{\"type\":")], [3, .. Utf8("99999999999\n")]]);
        Write(root, "resources", [.. new[]
        {
            "cpus:4;mem:1024;ports:[31000-32000]", "cpus(web):2.5;mem(*):512;disk:100", "zones:{a,b,c};gpus:1",
            "ports(eng/ml):[1-2,5-10];cpus:0.001", "cpus:-1", "ports:[5-3]", "mem:1e3",
        }.Select(Utf8)]);
        Write(root, "registry-command", RegistryEntries());
        Write(root, "acls", [.. new[]
        {
            """{"permissive":false,"register_frameworks":[{"principals":{"values":["web"]},"roles":{"values":["web","web/canary"]}},{"principals":{"type":"ANY"},"roles":{"type":"NONE"}}],"run_tasks":[{"principals":{"type":"NONE"},"users":{"values":["root"]}}]}""",
            """{"get_endpoints":[{"principals":{"type":"ANY"},"paths":{"values":["/flags"]}}],"update_weights":[{"principals":{"values":["ops"]},"roles":{"type":"ANY"}}]}""",
            """{"run_task":[]}""", """{"run_tasks":[{"principals":{"type":"SOME"},"users":{"type":"ANY"}}]}""",
            """{"run_tasks":[{"principals":{"values":["\u0077eb\ud83d\ude00"]},"users":{"type":"ANY"}}]} // a comment""",
        }.Select(Utf8)]);
        Write(root, "credentials", [.. new[]
        {
            """{"credentials":[{"principal":"web","secret":"s3cret"},{"principal":"ops","secret":"x"}]}""",
            "# principal secret\nweb s3cret\nops\tx\r\n", """{"principal":"agent","secret":"a"}""", "web a b\n", """{"credentials":[{"principal":"a:b","secret":"x"}]}""", """{"principal":"\u0061","secret":"\ud83d\ude00"}""",
        }.Select(Utf8)]);
    }

    private static byte[][] Frames()
    {
        var framework = new FrameworkId("f-1");
        AgentMessage[] messages =
        [
            new RegisterAgent("host-a", "10.0.0.1:5051", new Dictionary<string, string> { ["rack"] = "r1" }, 2),
            new RunTask(framework, new TaskId("t-1"), "task", "*", "cpus:1;mem:32", "sleep 1",
                new ExecutorSpec("e-1", "exec", "./x", "mem:32"), new HealthCheckSpec(HealthCheckKind.Tcp, "", 80, "/", "http"))
            { FrameworkInfo = new FrameworkSummary("fw", "user") },
            new StatusUpdate(framework, new TaskId("t-1"), TaskState.Running, Guid.Empty, "m", "r", 5, new UpdateDetails("d", true, [1, 2], "SOURCE_EXECUTOR")),
            new KillTask(framework, new TaskId("t-1"), 3),
            new FrameworkToExecutor(framework, "e-1", [1, 2, 3]),
            new NotLeader("10.0.0.2:5050"),
            new ProtocolError("bad"),
        ];
        var frames = messages.Select(m => FrameCodec.Encode(7, m)).ToList();
        frames.Add([.. FrameCodec.Encode(1, new Ping(1)), .. FrameCodec.Encode(1, new Pong(1))]);
        frames.Add([0x7f, 0xff, 0xff, 0xff]);
        return [.. frames];
    }

    private static byte[][] RegistryEntries()
    {
        RegistryCommand[] commands =
        [
            new MarkAgentUnreachable(new AgentId("a1"), 5),
            new RemoveAgent(new AgentId("a1")),
            new SetWeights([new RoleWeight("web", 2), new RoleWeight("eng/ml", 0.25)]),
            new SetQuota(new QuotaRecord("web", "cpus:4;mem:1024", "cpus:8")),
            new DrainAgent(new AgentId("a1"), 5_000, MarkGone: true),
            new UpdateMaintenanceSchedule([new MaintenanceWindow([MachineId.Of("host-a", ""), MachineId.Of("", "10.0.0.7")], new Protocol.Registry.Unavailability(5, 7_200_000_000_000))]),
            new SetInverseOfferStatus(MachineId.Of("host-a", ""), new FrameworkId("f1"), InverseOfferAnswer.Decline, 9),
        ];
        var encoded = commands.Select(c => RegistryCommandCodec.Encode(new CommandEnvelope(RegistryCommandCodec.CurrentVersion, Guid.Empty, c))).ToList();
        encoded.Add(RegistryCommandCodec.EncodeBatch([encoded[0], encoded[2], encoded[5]]));
        return [.. encoded];
    }

    private static void Write(string root, string target, byte[][] inputs)
    {
        var directory = Path.Combine(root, target);
        Directory.CreateDirectory(directory);
        for (var i = 0; i < inputs.Length; i++) File.WriteAllBytes(Path.Combine(directory, $"seed-{i:D2}"), inputs[i]);
    }
}
