using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Http;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.SchedulerDriver;

/// <summary>The driver's side of the Mesos v1 JSON: calls built from the classic API's arguments, events read into the model.</summary>
internal static class SchedulerJson
{
    public static JsonObject Info(FrameworkInfo info, string? id)
    {
        var json = new JsonObject
        {
            ["user"] = info.User, ["name"] = info.Name, ["failover_timeout"] = info.FailoverTimeout.TotalSeconds,
        };
        var capabilities = info.Capabilities.ToList();
        if (info.Roles.Count == 1 && !capabilities.Contains("MULTI_ROLE")) json["role"] = info.Roles[0];
        else
        {
            if (!capabilities.Contains("MULTI_ROLE")) capabilities.Add("MULTI_ROLE");
            json["roles"] = new JsonArray([.. info.Roles.Select(r => JsonValue.Create(r))]);
        }
        if (capabilities.Count > 0) json["capabilities"] = new JsonArray([.. capabilities.Select(c => new JsonObject { ["type"] = c })]);
        if (id is not null) json["id"] = IdOf(id);
        if (info.Principal is not null) json["principal"] = info.Principal;
        if (info.Hostname is not null) json["hostname"] = info.Hostname;
        return json;
    }

    public static JsonObject IdOf(string value) => new() { ["value"] = value };

    public static JsonObject Accept(IReadOnlyList<string> offerIds, IReadOnlyList<TaskInfo> tasks, Filters? filters)
    {
        var infos = new JsonArray();
        foreach (var task in tasks)
        {
            infos.Add(new JsonObject
            {
                ["name"] = task.Name, ["task_id"] = IdOf(task.TaskId), ["agent_id"] = IdOf(task.AgentId),
                ["resources"] = Resources(task.Resources), ["command"] = new JsonObject { ["value"] = task.Command, ["shell"] = true },
            });
        }
        var accept = new JsonObject
        {
            ["offer_ids"] = new JsonArray([.. offerIds.Select(IdOf)]),
            ["operations"] = tasks.Count == 0 ? new JsonArray()
                : new JsonArray(new JsonObject { ["type"] = "LAUNCH", ["launch"] = new JsonObject { ["task_infos"] = infos } }),
        };
        if (filters is not null) accept["filters"] = Filter(filters);
        return new JsonObject { ["type"] = "ACCEPT", ["accept"] = accept };
    }

    public static JsonObject Decline(string offerId, Filters? filters)
    {
        var decline = new JsonObject { ["offer_ids"] = new JsonArray(IdOf(offerId)) };
        if (filters is not null) decline["filters"] = Filter(filters);
        return new JsonObject { ["type"] = "DECLINE", ["decline"] = decline };
    }

    public static JsonObject Roles(string type, IReadOnlyList<string>? roles) => new()
    {
        ["type"] = type,
        [type.ToLowerInvariant()] = new JsonObject { ["roles"] = new JsonArray([.. (roles ?? []).Select(r => JsonValue.Create(r))]) },
    };

    public static JsonObject Kill(string taskId, string? agentId)
    {
        var kill = new JsonObject { ["task_id"] = IdOf(taskId) };
        if (agentId is not null) kill["agent_id"] = IdOf(agentId);
        return new JsonObject { ["type"] = "KILL", ["kill"] = kill };
    }

    public static JsonObject Acknowledge(TaskUpdate status) => new()
    {
        ["type"] = "ACKNOWLEDGE",
        ["acknowledge"] = new JsonObject { ["agent_id"] = IdOf(status.AgentId!), ["task_id"] = IdOf(status.TaskId), ["uuid"] = status.Uuid },
    };

    public static JsonObject Reconcile(IEnumerable<(string Task, string? Agent)> tasks) => new()
    {
        ["type"] = "RECONCILE",
        ["reconcile"] = new JsonObject
        {
            ["tasks"] = new JsonArray([.. tasks.Select(t =>
            {
                var entry = new JsonObject { ["task_id"] = IdOf(t.Task) };
                if (t.Agent is not null) entry["agent_id"] = IdOf(t.Agent);
                return entry;
            })]),
        },
    };

    public static JsonObject Message(string executorId, string agentId, byte[] data) => new()
    {
        ["type"] = "MESSAGE",
        ["message"] = new JsonObject { ["agent_id"] = IdOf(agentId), ["executor_id"] = IdOf(executorId), ["data"] = Convert.ToBase64String(data) },
    };

    private static JsonObject Filter(Filters filters) => new() { ["refuse_seconds"] = filters.RefuseFor.TotalSeconds };

    private static JsonNode Resources(Resources resources)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer)) ResourceJson.Write(json, resources, allocationRole: null);
        return JsonNode.Parse(buffer.WrittenSpan)!;
    }

    public static Offer ReadOffer(JsonObject offer)
    {
        if (!ResourceJson.TryRead(offer["resources"], out var resources, out var error))
            throw new InvalidDataException("offer resources: " + error);
        return new Offer(JsonFields.Id(offer["id"]) ?? "", JsonFields.Id(offer["framework_id"]) ?? "", JsonFields.Id(offer["agent_id"]) ?? "",
            JsonFields.String(offer, "hostname") ?? "", resources, JsonFields.String(offer["allocation_info"] as JsonObject, "role") ?? "*");
    }

    public static TaskUpdate ReadStatus(JsonObject status)
    {
        var state = JsonFields.String(status, "state") ?? "TASK_UNKNOWN";
        var parsed = Enum.TryParse<TaskState>(state.Replace("TASK_", "", StringComparison.Ordinal), ignoreCase: true, out var s) ? s : TaskState.Unknown;
        JsonFields.TryDouble(status["timestamp"], out var timestamp);
        return new TaskUpdate(JsonFields.Id(status["task_id"]) ?? "", parsed, JsonFields.Id(status["agent_id"]),
            JsonFields.String(status, "message") ?? "", JsonFields.String(status, "reason") ?? "", JsonFields.String(status, "source") ?? "",
            JsonFields.String(status, "uuid"), timestamp);
    }
}
