using System.Globalization;
using System.Text.Json;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Master.Operator.V1;

/// <summary>A call of the Mesos v1 operator API (<c>POST /api/v1</c>), as read from its JSON document.</summary>
public abstract record OperatorCall(string Type)
{
    /// <summary>A call without arguments (the GET_* reads, SUBSCRIBE).</summary>
    public sealed record Plain(string Type) : OperatorCall(Type);

    public sealed record UpdateWeights(IReadOnlyList<RoleWeight> Weights) : OperatorCall(UpdateWeightsType);

    /// <summary>Each role's quota; a role with neither guarantees nor limits goes back to having none.</summary>
    public sealed record UpdateQuota(IReadOnlyList<QuotaRecord> Quotas) : OperatorCall(UpdateQuotaType);

    public sealed record MarkAgentGone(AgentId Agent) : OperatorCall(MarkAgentGoneType);

    /// <summary>DRAIN_AGENT: <see cref="MaxGrace"/> caps each task's kill grace (null: the agent's own).</summary>
    public sealed record DrainAgent(AgentId Agent, TimeSpan? MaxGrace, bool MarkGone) : OperatorCall(DrainAgentType);

    public sealed record DeactivateAgent(AgentId Agent) : OperatorCall(DeactivateAgentType);

    public sealed record ReactivateAgent(AgentId Agent) : OperatorCall(ReactivateAgentType);

    /// <summary>UPDATE_MAINTENANCE_SCHEDULE: the whole new schedule (no windows clears it).</summary>
    public sealed record UpdateMaintenanceSchedule(IReadOnlyList<MaintenanceWindow> Windows) : OperatorCall(UpdateMaintenanceScheduleType);

    /// <summary>START_MAINTENANCE: DRAINING machines go DOWN.</summary>
    public sealed record StartMaintenance(IReadOnlyList<MachineId> Machines) : OperatorCall(StartMaintenanceType);

    /// <summary>STOP_MAINTENANCE: DOWN machines come back UP.</summary>
    public sealed record StopMaintenance(IReadOnlyList<MachineId> Machines) : OperatorCall(StopMaintenanceType);

    /// <summary>TEARDOWN: end a framework, as its own TEARDOWN would (subject to <c>teardown_frameworks</c>).</summary>
    public sealed record Teardown(FrameworkId Framework) : OperatorCall(TeardownType);

    public const string TeardownType = "TEARDOWN";
    public const string UpdateWeightsType = "UPDATE_WEIGHTS";
    public const string UpdateQuotaType = "UPDATE_QUOTA";
    public const string MarkAgentGoneType = "MARK_AGENT_GONE";
    public const string SubscribeType = "SUBSCRIBE";
    public const string DrainAgentType = "DRAIN_AGENT";
    public const string DeactivateAgentType = "DEACTIVATE_AGENT";
    public const string ReactivateAgentType = "REACTIVATE_AGENT";
    public const string UpdateMaintenanceScheduleType = "UPDATE_MAINTENANCE_SCHEDULE";
    public const string StartMaintenanceType = "START_MAINTENANCE";
    public const string StopMaintenanceType = "STOP_MAINTENANCE";

    /// <summary>The reads this master answers: every one but SUBSCRIBE answers 200 with one document.</summary>
    public static readonly IReadOnlySet<string> Reads = new HashSet<string>(StringComparer.Ordinal)
    {
        "GET_HEALTH", "GET_VERSION", "GET_FLAGS", "GET_METRICS", "GET_STATE", "GET_AGENTS", "GET_FRAMEWORKS", "GET_EXECUTORS",
        "GET_TASKS", "GET_ROLES", "GET_WEIGHTS", "GET_QUOTA", "GET_MASTER", "GET_MAINTENANCE_STATUS", "GET_MAINTENANCE_SCHEDULE",
    };

    /// <summary>Calls of Mesos' operator API this master does not serve (yet): 501 rather than "malformed".</summary>
    public static readonly IReadOnlySet<string> NotServed = new HashSet<string>(StringComparer.Ordinal)
    {
        "GET_LOGGING_LEVEL", "SET_LOGGING_LEVEL", "LIST_FILES", "READ_FILE", "GET_OPERATIONS", "RESERVE_RESOURCES", "UNRESERVE_RESOURCES",
        "CREATE_VOLUMES", "DESTROY_VOLUMES", "GROW_VOLUME", "SHRINK_VOLUME",
        "SET_QUOTA", "REMOVE_QUOTA", "UPDATE_WEIGHTS_DEPRECATED",
    };
}

/// <summary>Reads an operator call; every refusal names what is wrong.</summary>
public static class OperatorCallJson
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32, CommentHandling = JsonCommentHandling.Skip };

    /// <summary>The call, or false with <paramref name="error"/> (a 400's text) or <paramref name="notServed"/> (a call Mesos has and we do not).</summary>
    public static bool TryParse(ReadOnlyMemory<byte> body, out OperatorCall call, out string error, out bool notServed)
    {
        call = new OperatorCall.Plain("");
        notServed = false;
        JsonDocument document;
        // JsonDocument checks a string's UTF-8 only when it is read, and then throws InvalidOperationException: check it all first.
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            error = "malformed JSON: the body is not valid UTF-8";
            return false;
        }
        try
        {
            // A well-formed escape System.Text.Json cannot read as text would throw InvalidOperationException later.
            if (Protocol.JsonEscapes.HasLoneSurrogate(body.Span, new JsonReaderOptions { MaxDepth = DocumentOptions.MaxDepth, CommentHandling = DocumentOptions.CommentHandling }))
            {
                error = "malformed JSON: " + Protocol.JsonEscapes.LoneSurrogateMessage;
                return false;
            }
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException e)
        {
            error = "malformed JSON: " + e.Message;
            return false;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "a call is a JSON object";
                return false;
            }
            if (!root.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String || typeElement.GetString() is not { Length: > 0 } type)
            {
                error = "the call has no 'type'";
                return false;
            }
            if (OperatorCall.NotServed.Contains(type))
            {
                error = $"{type} is not served by this master";
                notServed = true;
                return false;
            }
            try
            {
                call = type switch
                {
                    OperatorCall.UpdateWeightsType => new OperatorCall.UpdateWeights(Weights(Member(root, "update_weights"))),
                    OperatorCall.UpdateQuotaType => new OperatorCall.UpdateQuota(Quotas(Member(root, "update_quota"))),
                    OperatorCall.MarkAgentGoneType => new OperatorCall.MarkAgentGone(new AgentId(IdValue(Member(Member(root, "mark_agent_gone"), "agent_id"),
                        "mark_agent_gone.agent_id"))),
                    OperatorCall.DrainAgentType => Drain(Member(root, "drain_agent")),
                    OperatorCall.DeactivateAgentType => new OperatorCall.DeactivateAgent(new AgentId(IdValue(Member(Member(root, "deactivate_agent"), "agent_id"),
                        "deactivate_agent.agent_id"))),
                    OperatorCall.ReactivateAgentType => new OperatorCall.ReactivateAgent(new AgentId(IdValue(Member(Member(root, "reactivate_agent"), "agent_id"),
                        "reactivate_agent.agent_id"))),
                    OperatorCall.UpdateMaintenanceScheduleType => new OperatorCall.UpdateMaintenanceSchedule(MaintenanceJson.ReadSchedule(
                        Member(Member(root, "update_maintenance_schedule"), "schedule"), "update_maintenance_schedule.schedule")),
                    OperatorCall.StartMaintenanceType => new OperatorCall.StartMaintenance(MachinesOf(Member(root, "start_maintenance"), "start_maintenance")),
                    OperatorCall.StopMaintenanceType => new OperatorCall.StopMaintenance(MachinesOf(Member(root, "stop_maintenance"), "stop_maintenance")),
                    OperatorCall.TeardownType => new OperatorCall.Teardown(new FrameworkId(IdValue(Member(Member(root, "teardown"), "framework_id"),
                        "teardown.framework_id"))),
                    OperatorCall.SubscribeType => new OperatorCall.Plain(type),
                    _ when OperatorCall.Reads.Contains(type) => new OperatorCall.Plain(type),
                    _ => throw new FormatException($"unknown call type '{type}'"),
                };
            }
            catch (FormatException e)
            {
                error = e.Message;
                return false;
            }
        }
        error = "";
        return true;
    }

    private static JsonElement Member(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
            ? value
            : throw new FormatException($"'{name}' is missing or not an object");

    private static IReadOnlyList<MachineId> MachinesOf(JsonElement call, string path)
    {
        var machines = call.TryGetProperty("machines", out var list)
            ? MaintenanceJson.ReadMachines(list, path + ".machines")
            : throw new FormatException($"'{path}.machines' is missing");
        return machines.Count > 0 ? machines : throw new FormatException($"'{path}.machines' names no machine");
    }

    private static string IdValue(JsonElement id, string path) =>
        id.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new FormatException($"'{path}.value' is missing");

    private static OperatorCall.DrainAgent Drain(JsonElement drain)
    {
        var agent = new AgentId(IdValue(Member(drain, "agent_id"), "drain_agent.agent_id"));
        TimeSpan? grace = null;
        if (drain.TryGetProperty("max_grace_period", out var period) && period.ValueKind != JsonValueKind.Null)
        {
            var nanoseconds = period.ValueKind == JsonValueKind.Object && period.TryGetProperty("nanoseconds", out var ns)
                ? Number(ns, "drain_agent.max_grace_period.nanoseconds")
                : throw new FormatException("'drain_agent.max_grace_period' needs 'nanoseconds'");
            if (nanoseconds < 0 || double.IsNaN(nanoseconds)) throw new FormatException("'drain_agent.max_grace_period' is negative");
            grace = TimeSpan.FromTicks((long)Math.Min(nanoseconds / 100, TimeSpan.MaxValue.Ticks / 2.0));
        }
        var markGone = drain.TryGetProperty("mark_gone", out var gone) && gone.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw new FormatException("'drain_agent.mark_gone' is not a boolean"),
        };
        return new OperatorCall.DrainAgent(agent, grace, markGone);
    }

    private static List<RoleWeight> Weights(JsonElement update)
    {
        if (!update.TryGetProperty("weight_infos", out var infos) || infos.ValueKind != JsonValueKind.Array)
            throw new FormatException("'update_weights.weight_infos' is missing or not a list");
        var weights = new List<RoleWeight>();
        foreach (var info in infos.EnumerateArray())
        {
            var role = info.ValueKind == JsonValueKind.Object && info.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String
                ? r.GetString()! : throw new FormatException("every weight_info needs a 'role'");
            var weight = info.TryGetProperty("weight", out var w) ? Number(w, $"weight of role {role}") : throw new FormatException($"role {role} has no 'weight'");
            weights.Add(new RoleWeight(role, weight));
        }
        return weights;
    }

    private static List<QuotaRecord> Quotas(JsonElement update)
    {
        if (!update.TryGetProperty("quota_configs", out var configs) || configs.ValueKind != JsonValueKind.Array)
            throw new FormatException("'update_quota.quota_configs' is missing or not a list");
        var quotas = new List<QuotaRecord>();
        foreach (var config in configs.EnumerateArray())
        {
            var role = config.ValueKind == JsonValueKind.Object && config.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String
                ? r.GetString()! : throw new FormatException("every quota_config needs a 'role'");
            quotas.Add(new QuotaRecord(role, Scalars(config, "guarantees", role), Scalars(config, "limits", role)));
        }
        return quotas;
    }

    /// <summary>Mesos' <c>{"cpus": {"value": 1}, "mem": {"value": 512}}</c> as our resource text (<c>cpus:1;mem:512</c>).</summary>
    private static string Scalars(JsonElement config, string name, string role)
    {
        if (!config.TryGetProperty(name, out var map) || map.ValueKind == JsonValueKind.Null) return "";
        if (map.ValueKind != JsonValueKind.Object) throw new FormatException($"'{name}' of role {role} is not an object");
        var parts = new List<string>();
        foreach (var resource in map.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            var value = resource.Value.ValueKind == JsonValueKind.Object && resource.Value.TryGetProperty("value", out var v)
                ? Number(v, $"{name}.{resource.Name} of role {role}")
                : throw new FormatException($"'{name}.{resource.Name}' of role {role} needs a 'value'");
            parts.Add(FormattableString.Invariant($"{resource.Name}:{value}"));
        }
        return string.Join(';', parts);
    }

    private static double Number(JsonElement value, string what) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => throw new FormatException($"{what} is not a number"),
    };
}
