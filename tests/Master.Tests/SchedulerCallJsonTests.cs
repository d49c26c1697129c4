using System.Text;
using Mesos.HA.Master.Scheduler;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>
/// What the master makes of scheduler calls, bad ones above all: every row's answer was captured
/// from the hand-written reader before the calls were read through the shared contracts, and must
/// not change (a 400's message, a SUBSCRIBE refused with an ERROR stream, or the call read).
/// </summary>
public sealed class SchedulerCallJsonTests
{
    public static TheoryData<string, string> Calls => new()
    {
        { """{"type": "SUBSCRIBE", """, "error: malformed JSON: Expected start of a property name or value, but instead reached end of data. LineNumber: 0 | BytePositionInLine: 22." },
        { "[1,2,3]", "error: the call must be a JSON object" },
        { """ "x" """, "error: the call must be a JSON object" },
        { "{}", "error: the call has no 'type'" },
        { """{"type":5}""", "error: the call has no 'type'" },
        { """{"type":"REVIVE"}""", "error: REVIVE needs 'framework_id'" },
        { """{"type":"REVIVE","framework_id":"f"}""", "error: REVIVE needs 'framework_id'" },
        { """{"type":"LAUNCH_EVERYTHING","framework_id":{"value":"x"}}""", "error: unsupported call type 'LAUNCH_EVERYTHING'" },
        { """{"type":"SUBSCRIBE"}""", "error: SUBSCRIBE needs 'subscribe.framework_info'" },
        { """{"type":"SUBSCRIBE","subscribe":5}""", "error: SUBSCRIBE needs 'subscribe.framework_info'" },
        { """{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"n","user":"u"}}}""", "ok: Subscribe  n u [*] [] 00:00:00" },
        { """{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"n","roles":["a"]}}}""", "invalid: framework_info.roles needs the MULTI_ROLE capability (use 'role' otherwise)" },
        { """{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"n","roles":[],"capabilities":[{"type":"MULTI_ROLE"}]}}}""", "invalid: framework_info.roles must be a non-empty list of strings" },
        { """{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"n","roles":[1],"capabilities":[{"type":"MULTI_ROLE"}]}}}""", "invalid: framework_info.roles must be a non-empty list of strings" },
        { """{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"n","failover_timeout":-1}}}""", "invalid: framework_info.failover_timeout must be seconds between 0 and one year" },
        { """{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"n","failover_timeout":"abc"}}}""", "invalid: framework_info.failover_timeout must be seconds between 0 and one year" },
        { """{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"n","failover_timeout":true}}}""", "invalid: framework_info.failover_timeout must be seconds between 0 and one year" },
        { """{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"n","failover_timeout":"60"}}}""", "ok: Subscribe  n  [*] [] 00:01:00" },
        { """{"type":"SUBSCRIBE","framework_id":{"value":"a"},"subscribe":{"framework_info":{"name":"n","id":{"value":"b"}}}}""", "error: framework_id and subscribe.framework_info.id differ" },
        { """{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"n","role":"-bad"}}}""", "invalid: role '-bad' may not start a part with '-'" },
        { """{"type":"ACCEPT","framework_id":{"value":"f"}}""", "error: ACCEPT needs 'accept'" },
        { """{"type":"ACCEPT","framework_id":{"value":"f"},"accept":5}""", "error: ACCEPT needs 'accept'" },
        { """{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{}}""", """error: 'offer_ids' must list at least one {"value": ...}""" },
        { """{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":[{}]}}""", """error: 'offer_ids' must list at least one {"value": ...}""" },
        { """{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":["o1"]}}""", """error: 'offer_ids' must list at least one {"value": ...}""" },
        { """{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":[{"value":"o1"}],"operations":[{"type":"RESERVE"}]}}""", "error: accept.operations[0]: only LAUNCH is supported, not 'RESERVE'" },
        { """{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":[{"value":"o1"}],"operations":[5]}}""", "error: accept.operations[0]: only LAUNCH is supported, not ''" },
        { """{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":[{"value":"o1"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[5]}}]}}""", "error: accept.operations[0].launch.task_infos[0] must be an object" },
        { """{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":[{"value":"o1"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{}]}}]}}""", "error: accept.operations[0].launch.task_infos[0].task_id.value is missing" },
        { """{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":[{"value":"o1"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"task_id":"t"}]}}]}}""", "error: accept.operations[0].launch.task_infos[0].task_id.value is missing" },
        { """{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":[{"value":"o1"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"task_id":{"value":"t"},"resources":{}}]}}]}}""", "error: accept.operations[0].launch.task_infos[0].resources must be a list" },
        { """{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":[{"value":"o1"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"task_id":{"value":"t"},"resources":[{"type":"SCALAR"}]}]}}]}}""", "error: accept.operations[0].launch.task_infos[0].resources[0]: has no name" },
        { """{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":[{"value":"o1"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"task_id":{"value":"t"},"resources":[{"name":"cpus","scalar":{"value":-1}}]}]}}]}}""", "error: accept.operations[0].launch.task_infos[0].resources[0]: cpus: scalar.value must be a non-negative number" },
        { """{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":[{"value":"o1"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"task_id":{"value":"t"},"resources":[{"name":"cpus","scalar":{"value":"abc"}}]}]}}]}}""", "error: accept.operations[0].launch.task_infos[0].resources[0]: cpus: scalar.value must be a non-negative number" },
        { """{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":[{"value":"o1"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"task_id":{"value":"t"},"resources":[{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":5,"end":2}]}}]}]}}]}}""", "error: accept.operations[0].launch.task_infos[0].resources[0]: ports: each range needs begin <= end" },
        { """{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":[{"value":"o1"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"task_id":{"value":"t"},"resources":[{"name":"g","type":"SET","set":{"item":[1]}}]}]}}]}}""", "error: accept.operations[0].launch.task_infos[0].resources[0]: g: set items must be strings" },
        { """{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":[{"value":"o1"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"task_id":{"value":"t"},"resources":[{"name":"x","type":"TEXT"}]}]}}]}}""", "error: accept.operations[0].launch.task_infos[0].resources[0]: x: unknown type TEXT" },
        { """{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":[{"value":"o1"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"task_id":{"value":"t"},"resources":[{"name":"cpus","scalar":{"value":1}}]}]}}]}}""", "error: accept.operations[0].launch.task_infos[0] needs exactly one of 'command' (the command executor) and 'executor' (a custom one)" },
        { """{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":[{"value":"o1"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"task_id":{"value":"t"},"command":{"value":"ls","shell":false}}]}}]}}""", "error: accept.operations[0].launch.task_infos[0].command.shell=false is not supported; give a shell command" },
        { """{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":[{"value":"o1"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"name":"n","task_id":{"value":"t"},"agent_id":{"value":"a"},"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":"0.5"},"role":"web"},{"name":"ports","ranges":{"range":[{"begin":"31000","end":31001}]}}],"command":{"value":"ls","shell":true}}]}}],"filters":{"refuse_seconds":"5"}}}""", "ok: Accept f [o1] refuse=00:00:05 launches=[t n cpus(web):0.5;ports:[31000-31001] ls]" },
        { """{"type":"DECLINE","framework_id":{"value":"f"}}""", "error: DECLINE needs 'decline'" },
        { """{"type":"DECLINE","framework_id":{"value":"f"},"decline":{}}""", """error: 'offer_ids' must list at least one {"value": ...}""" },
        { """{"type":"DECLINE","framework_id":{"value":"f"},"decline":{"offer_ids":[{"value":"o"}],"filters":{"refuse_seconds":-3}}}""", "ok: Decline f [o] refuse=" },
        { """{"type":"DECLINE","framework_id":{"value":"f"},"decline":{"offer_ids":[{"value":"o"}],"filters":{"refuse_seconds":"x"}}}""", "ok: Decline f [o] refuse=" },
        { """{"type":"REVIVE","framework_id":{"value":"f"},"revive":{"roles":["a",1]}}""", "ok: Revive f [a]" },
        { """{"type":"SUPPRESS","framework_id":{"value":"f"}}""", "ok: Suppress f []" },
        { """{"type":"KILL","framework_id":{"value":"f"}}""", "error: KILL needs 'kill.task_id'" },
        { """{"type":"KILL","framework_id":{"value":"f"},"kill":{"task_id":{"value":""}}}""", "error: KILL needs 'kill.task_id'" },
        { """{"type":"ACKNOWLEDGE","framework_id":{"value":"f"},"acknowledge":{"agent_id":{"value":"a"},"task_id":{"value":"t"}}}""", "error: ACKNOWLEDGE needs 'acknowledge.agent_id', 'acknowledge.task_id' and 'acknowledge.uuid'" },
        { """{"type":"ACKNOWLEDGE","framework_id":{"value":"f"},"acknowledge":{"agent_id":{"value":"a"},"task_id":{"value":"t"},"uuid":"!!"}}""", "error: acknowledge.uuid must be 16 bytes in base64" },
        { """{"type":"ACKNOWLEDGE","framework_id":{"value":"f"},"acknowledge":{"agent_id":{"value":"a"},"task_id":{"value":"t"},"uuid":"AAAAAAAAAAAAAAAAAAAA"}}""", "error: acknowledge.uuid must be 16 bytes in base64" },
        { """{"type":"ACKNOWLEDGE","framework_id":{"value":"f"},"acknowledge":{"agent_id":{"value":"a"},"task_id":{"value":"t"},"uuid":5}}""", "error: ACKNOWLEDGE needs 'acknowledge.agent_id', 'acknowledge.task_id' and 'acknowledge.uuid'" },
        { """{"type":"RECONCILE","framework_id":{"value":"f"},"reconcile":{"tasks":[{"agent_id":{"value":"a"}}]}}""", "error: each reconcile.tasks entry needs task_id" },
        { """{"type":"RECONCILE","framework_id":{"value":"f"}}""", "ok: Reconcile f []" },
        { """{"type":"SHUTDOWN","framework_id":{"value":"f"},"shutdown":{}}""", "error: SHUTDOWN needs 'shutdown.executor_id'" },
        { """{"type":"MESSAGE","framework_id":{"value":"f"},"message":{"agent_id":{"value":"a"},"executor_id":{"value":"e"}}}""", "error: MESSAGE needs 'message.agent_id', 'message.executor_id' and 'message.data'" },
        { """{"type":"MESSAGE","framework_id":{"value":"f"},"message":{"agent_id":{"value":"a"},"executor_id":{"value":"e"},"data":"***"}}""", "error: message.data must be base64" },
        { """{"type":"TEARDOWN","framework_id":{"value":"f"},/* comment */ "extra":[1,{"x":2}]}""", "ok: Teardown f" },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public void Calls_AreReadOrRefused_AsTheHandWrittenReaderDid(string body, string expected) =>
        Assert.Equal(expected, Outcome(body));

    /// <summary>The calls exactly as the C# driver sends them (its golden texts): the master reads each.</summary>
    public static TheoryData<string, string> DriverCalls => new()
    {
        { """{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"fw","failover_timeout":0,"role":"*"}}}""", "ok: Subscribe  fw u [*] [] 00:00:00" },
        { """{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"fw","failover_timeout":300,"roles":["a","b"],"capabilities":[{"type":"PARTITION_AWARE"},{"type":"MULTI_ROLE"}],"id":{"value":"f-1"},"principal":"p","hostname":"h"}},"framework_id":{"value":"f-1"}}""", "ok: Subscribe f-1 fw u [a,b] [PARTITION_AWARE,MULTI_ROLE] 00:05:00" },
        { """{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"fw","failover_timeout":1.25,"roles":["a"],"capabilities":[{"type":"MULTI_ROLE"}]}}}""", "ok: Subscribe  fw u [a] [MULTI_ROLE] 00:00:01.2500000" },
        { """{"type":"ACCEPT","accept":{"offer_ids":[{"value":"o-1"},{"value":"o-2"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"name":"task one","task_id":{"value":"t-1"},"agent_id":{"value":"a-1"},"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.5}},{"name":"cpus","type":"SCALAR","reservations":[{"type":"STATIC","role":"web"}],"scalar":{"value":1}},{"name":"mem","type":"SCALAR","scalar":{"value":64}},{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":31001}]}},{"name":"gpus","type":"SET","set":{"item":["a"]}}],"command":{"value":"echo \u0022hi\u0022 \u0026\u0026 sleep 1","shell":true}}]}}],"filters":{"refuse_seconds":5}},"framework_id":{"value":"f-1"}}""", """ok: Accept f-1 [o-1,o-2] refuse=00:00:05 launches=[t-1 task one cpus:0.5;cpus(web):1;gpus:{a};mem:64;ports:[31000-31001] echo "hi" && sleep 1]""" },
        { """{"type":"ACCEPT","accept":{"offer_ids":[{"value":"o-1"}],"operations":[]},"framework_id":{"value":"f-1"}}""", "ok: Accept f-1 [o-1] refuse= launches=[]" },
        { """{"type":"DECLINE","decline":{"offer_ids":[{"value":"o-1"}],"filters":{"refuse_seconds":0.5}},"framework_id":{"value":"f-1"}}""", "ok: Decline f-1 [o-1] refuse=00:00:00.5000000" },
        { """{"type":"DECLINE","decline":{"offer_ids":[{"value":"o-1"}]},"framework_id":{"value":"f-1"}}""", "ok: Decline f-1 [o-1] refuse=" },
        { """{"type":"REVIVE","revive":{"roles":[]},"framework_id":{"value":"f-1"}}""", "ok: Revive f-1 []" },
        { """{"type":"SUPPRESS","suppress":{"roles":["a","b"]},"framework_id":{"value":"f-1"}}""", "ok: Suppress f-1 [a,b]" },
        { """{"type":"KILL","kill":{"task_id":{"value":"t-1"},"agent_id":{"value":"a-1"}},"framework_id":{"value":"f-1"}}""", "ok: Kill f-1 t-1" },
        { """{"type":"KILL","kill":{"task_id":{"value":"t-1"}},"framework_id":{"value":"f-1"}}""", "ok: Kill f-1 t-1" },
        { """{"type":"ACKNOWLEDGE","acknowledge":{"agent_id":{"value":"a-1"},"task_id":{"value":"t-1"},"uuid":"Dx4tPEtaaXiHlqW0w9Lh8A=="},"framework_id":{"value":"f-1"}}""", "ok: Acknowledge f-1 a-1 t-1 3c2d1e0f-5a4b-7869-8796-a5b4c3d2e1f0" },
        { """{"type":"RECONCILE","reconcile":{"tasks":[{"task_id":{"value":"t-1"},"agent_id":{"value":"a-1"}},{"task_id":{"value":"t-2"}}]},"framework_id":{"value":"f-1"}}""", "ok: Reconcile f-1 [(t-1, a-1),(t-2, )]" },
        { """{"type":"RECONCILE","reconcile":{"tasks":[]},"framework_id":{"value":"f-1"}}""", "ok: Reconcile f-1 []" },
        { """{"type":"MESSAGE","message":{"agent_id":{"value":"a-1"},"executor_id":{"value":"e-1"},"data":"AQID\u002Bg=="},"framework_id":{"value":"f-1"}}""", "ok: Message f-1 a-1 e-1 010203FA" },
        { """{"type":"TEARDOWN","framework_id":{"value":"f-1"}}""", "ok: Teardown f-1" },
    };

    [Theory]
    [MemberData(nameof(DriverCalls))]
    public void DriverCalls_AreReadByTheMaster(string body, string expected) => Assert.Equal(expected, Outcome(body));

    [Fact]
    public void MessageData_Over64KiB_IsRefused()
    {
        var data = Convert.ToBase64String(new byte[70_000]);
        var body = $$$"""{"type":"MESSAGE","framework_id":{"value":"f"},"message":{"agent_id":{"value":"a"},"executor_id":{"value":"e"},"data":"{{{data}}}"}}""";
        Assert.Equal("error: message.data is limited to 64 KiB", Outcome(body));
    }

    [Theory]
    [InlineData("", "error: malformed JSON: The input does not contain any JSON tokens.")]
    [InlineData("""{"type":"TEARDOWN","framework_id":{"value":"f"}} x""", "error: malformed JSON: 'x' is invalid after a single JSON value.")]
    public void Malformed_IsRefusedWithTheReadersMessage(string body, string expectedStart) =>
        Assert.StartsWith(expectedStart, Outcome(body), StringComparison.Ordinal);

    [Fact]
    public void TooDeep_IsMalformed()
    {
        var body = """{"type":"TEARDOWN","framework_id":{"value":"f"},"x":""" + new string('[', 40) + new string(']', 40) + "}";
        Assert.StartsWith("error: malformed JSON: ", Outcome(body));
    }

    internal static string Outcome(string body)
    {
        if (!SchedulerCallJson.TryParse(Encoding.UTF8.GetBytes(body), out var call, out var error)) return "error: " + error;
        return call is SchedulerCall.InvalidSubscription invalid ? "invalid: " + invalid.Reason : "ok: " + Describe(call);
    }

    private static string Describe(SchedulerCall call) => call switch
    {
        SchedulerCall.Accept a => $"Accept {a.Id} [{string.Join(",", a.Offers)}] refuse={a.Refuse} launches=[{string.Join(";", a.Launches.Select(Launch))}]",
        SchedulerCall.Decline d => $"Decline {d.Id} [{string.Join(",", d.Offers)}] refuse={d.Refuse}",
        SchedulerCall.Revive r => $"Revive {r.Id} [{string.Join(",", r.Roles)}]",
        SchedulerCall.Suppress r => $"Suppress {r.Id} [{string.Join(",", r.Roles)}]",
        SchedulerCall.Reconcile r => $"Reconcile {r.Id} [{string.Join(",", r.Tasks)}]",
        SchedulerCall.Subscribe s => $"Subscribe {s.Id} {s.Info.Name} {s.Info.User} [{string.Join(",", s.Info.Roles)}] [{string.Join(",", s.Info.Capabilities)}] {s.FailoverTimeout}",
        SchedulerCall.Teardown t => $"Teardown {t.Id}",
        SchedulerCall.Kill k => $"Kill {k.Id} {k.Task}",
        SchedulerCall.Acknowledge a => $"Acknowledge {a.Id} {a.Agent} {a.Task} {a.Uuid}",
        SchedulerCall.Message m => $"Message {m.Id} {m.Agent} {m.Executor} {Convert.ToHexString(m.Data)}",
        SchedulerCall.Shutdown s => $"Shutdown {s.Id} {s.Executor} {s.Agent}",
        _ => call.ToString(),
    };

    private static string Launch(Core.TaskLaunch l) =>
        $"{l.Id} {l.Name} {l.Resources} {l.Command}"
        + (l.Executor is { } e ? $" executor={e.Id}/{e.Name}/{e.Command}/{e.Resources}" : "")
        + (l.HealthCheck is { } h
            ? $" check={h.Kind}/{h.Command}/{h.Port}/{h.Path}/{h.Scheme}/{h.DelaySeconds}/{h.IntervalSeconds}/{h.TimeoutSeconds}/{h.ConsecutiveFailures}/{h.GracePeriodSeconds}"
            : "");
}
