namespace Mesos.HA.Tests.Support;

/// <summary>
/// Valid calls of every API a fuzz mutates, one document each. <c>{FW}</c>, <c>{AGENT}</c>, <c>{TASK}</c>,
/// <c>{EXECUTOR}</c> and <c>{HOST}</c> stand for ids a live cluster fills in; the unit tests use the
/// defaults of <see cref="Fill"/>. Linked into the test projects that have no reference to this one.
/// </summary>
public static class FuzzCorpus
{
    public static string Fill(string template, string framework = "f-1", string agent = "a-1", string task = "t-1",
        string executor = "e-1", string host = "host-a") =>
        template.Replace("{FW}", framework).Replace("{AGENT}", agent).Replace("{TASK}", task).Replace("{EXECUTOR}", executor).Replace("{HOST}", host);

    private const string Task =
        """{"name":"fz","task_id":{"value":"{TASK}"},"agent_id":{"value":"{AGENT}"},"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.1}},{"name":"mem","type":"SCALAR","scalar":{"value":16}},{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":31001}]}}],"command":{"value":"true","shell":true},"health_check":{"type":"TCP","tcp":{"port":31000},"delay_seconds":1}}""";

    private const string ExecutorTask =
        """{"name":"fz-e","task_id":{"value":"{TASK}-e"},"agent_id":{"value":"{AGENT}"},"resources":[{"name":"cpus","scalar":{"value":0.1}}],"executor":{"executor_id":{"value":"{EXECUTOR}"},"command":{"value":"./x"},"resources":[{"name":"cpus","scalar":{"value":0.1}}]}}""";

    /// <summary>Scheduler calls (<c>POST /api/v1/scheduler</c>).</summary>
    public static readonly string[] SchedulerCalls =
    [
        """{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"fz","user":"u","roles":["web","eng/ml"],"capabilities":[{"type":"MULTI_ROLE"}],"failover_timeout":60,"principal":"p","hostname":"h","webui_url":"http://x"}}}""",
        """{"type":"SUBSCRIBE","framework_id":{"value":"{FW}"},"subscribe":{"framework_info":{"id":{"value":"{FW}"},"name":"fz","role":"*"}}}""",
        """{"type":"ACCEPT","framework_id":{"value":"{FW}"},"accept":{"offer_ids":[{"value":"o-1"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[""" + Task + """]}}],"filters":{"refuse_seconds":5}}}""",
        """{"type":"ACCEPT","framework_id":{"value":"{FW}"},"accept":{"offer_ids":[{"value":"o-2"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[""" + ExecutorTask + """]}}]}}""",
        """{"type":"DECLINE","framework_id":{"value":"{FW}"},"decline":{"offer_ids":[{"value":"o-1"},{"value":"o-2"}],"filters":{"refuse_seconds":"2.5"}}}""",
        """{"type":"ACCEPT_INVERSE_OFFERS","framework_id":{"value":"{FW}"},"accept_inverse_offers":{"inverse_offer_ids":[{"value":"i-1"}]}}""",
        """{"type":"DECLINE_INVERSE_OFFERS","framework_id":{"value":"{FW}"},"decline_inverse_offers":{"inverse_offer_ids":[{"value":"i-1"}],"filters":{"refuse_seconds":1}}}""",
        """{"type":"REVIVE","framework_id":{"value":"{FW}"},"revive":{"roles":["web"]}}""",
        """{"type":"SUPPRESS","framework_id":{"value":"{FW}"},"suppress":{"roles":["web"]}}""",
        """{"type":"KILL","framework_id":{"value":"{FW}"},"kill":{"task_id":{"value":"{TASK}"},"agent_id":{"value":"{AGENT}"}}}""",
        """{"type":"ACKNOWLEDGE","framework_id":{"value":"{FW}"},"acknowledge":{"agent_id":{"value":"{AGENT}"},"task_id":{"value":"{TASK}"},"uuid":"AAAAAAAAAAAAAAAAAAAAAA=="}}""",
        """{"type":"RECONCILE","framework_id":{"value":"{FW}"},"reconcile":{"tasks":[{"task_id":{"value":"{TASK}"},"agent_id":{"value":"{AGENT}"}}]}}""",
        """{"type":"SHUTDOWN","framework_id":{"value":"{FW}"},"shutdown":{"executor_id":{"value":"{EXECUTOR}"},"agent_id":{"value":"{AGENT}"}}}""",
        """{"type":"MESSAGE","framework_id":{"value":"{FW}"},"message":{"agent_id":{"value":"{AGENT}"},"executor_id":{"value":"{EXECUTOR}"},"data":"aGk="}}""",
    ];

    private const string Machines = """[{"hostname":"{HOST}"},{"ip":"10.9.9.9"},{"hostname":"h2","ip":"10.9.9.8"}]""";

    private const string Schedule =
        """{"windows":[{"machine_ids":""" + Machines + ""","unavailability":{"start":{"nanoseconds":4102444800000000000},"duration":{"nanoseconds":"3600000000000"}}}]}""";

    /// <summary>The maintenance schedule document (<c>POST /maintenance/schedule</c>, and inside UPDATE_MAINTENANCE_SCHEDULE).</summary>
    public static readonly string MaintenanceSchedule = Schedule;

    /// <summary>A machine list (<c>POST /machine/down</c> and <c>/machine/up</c>).</summary>
    public static readonly string MachineList = Machines;

    /// <summary>Operator calls (<c>POST /api/v1</c>); the writes name machines and agents that a live run may not have.</summary>
    public static readonly string[] OperatorCalls =
    [
        """{"type":"GET_HEALTH"}""",
        """{"type":"GET_STATE"}""",
        """{"type":"GET_AGENTS"}""",
        """{"type":"GET_MAINTENANCE_STATUS"}""",
        """{"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[{"role":"fuzz","weight":2.5},{"role":"fuzz2","weight":"1"}]}}""",
        """{"type":"UPDATE_QUOTA","update_quota":{"quota_configs":[{"role":"fuzz","guarantees":{"cpus":{"value":0.1}},"limits":{"cpus":{"value":"1"},"mem":{"value":64}}}]}}""",
        """{"type":"MARK_AGENT_GONE","mark_agent_gone":{"agent_id":{"value":"no-such-agent"}}}""",
        """{"type":"DRAIN_AGENT","drain_agent":{"agent_id":{"value":"no-such-agent"},"max_grace_period":{"nanoseconds":1000000000},"mark_gone":false}}""",
        """{"type":"DEACTIVATE_AGENT","deactivate_agent":{"agent_id":{"value":"no-such-agent"}}}""",
        """{"type":"REACTIVATE_AGENT","reactivate_agent":{"agent_id":{"value":"no-such-agent"}}}""",
        """{"type":"UPDATE_MAINTENANCE_SCHEDULE","update_maintenance_schedule":{"schedule":""" + Schedule + "}}",
        """{"type":"START_MAINTENANCE","start_maintenance":{"machines":[{"hostname":"fuzz-nowhere"}]}}""",
        """{"type":"STOP_MAINTENANCE","stop_maintenance":{"machines":[{"hostname":"fuzz-nowhere"}]}}""",
        """{"type":"TEARDOWN","teardown":{"framework_id":{"value":"fuzz-no-such-framework"}}}""",
        """{"type":"GET_FRAMEWORKS"}""",
        """{"type":"GET_TASKS"}""",
        """{"type":"GET_EXECUTORS"}""",
    ];

    /// <summary>Executor calls (the agent's <c>POST /api/v1/executor</c>).</summary>
    public static readonly string[] ExecutorCalls =
    [
        """{"type":"SUBSCRIBE","framework_id":{"value":"{FW}"},"executor_id":{"value":"{EXECUTOR}"},"subscribe":{"unacknowledged_tasks":[{"name":"n","task_id":{"value":"{TASK}"},"agent_id":{"value":"{AGENT}"}}],"unacknowledged_updates":[{"framework_id":{"value":"{FW}"},"status":{"task_id":{"value":"{TASK}"},"state":"TASK_RUNNING","uuid":"AAAAAAAAAAAAAAAAAAAAAA=="}}]}}""",
        """{"type":"UPDATE","framework_id":{"value":"{FW}"},"executor_id":{"value":"{EXECUTOR}"},"update":{"status":{"task_id":{"value":"{TASK}"},"state":"TASK_FINISHED","uuid":"AAAAAAAAAAAAAAAAAAAAAA==","message":"m","data":"aGk=","healthy":true,"source":"SOURCE_EXECUTOR","timestamp":1.5}}}""",
        """{"type":"MESSAGE","framework_id":{"value":"{FW}"},"executor_id":{"value":"{EXECUTOR}"},"message":{"data":"aGk="}}""",
        """{"type":"HEARTBEAT","framework_id":{"value":"{FW}"},"executor_id":{"value":"{EXECUTOR}"}}""",
    ];
}
