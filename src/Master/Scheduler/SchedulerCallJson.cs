using Mesos.HA.Protocol.Http;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Master.Scheduler;

/// <summary>
/// Reads scheduler calls in the Mesos v1 JSON shape (<c>{"type": "ACCEPT", "framework_id": {"value"},
/// "accept": {...}}</c>). Liberal in what it accepts (unknown fields, field order, numbers as
/// strings); every refusal names the field that is wrong.
/// </summary>
public static class SchedulerCallJson
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32, CommentHandling = JsonCommentHandling.Skip };

    public static bool TryParse(ReadOnlyMemory<byte> body, out SchedulerCall call, out string error)
    {
        call = null!;
        JsonObject? root;
        try
        {
            root = JsonNode.Parse(body.Span, documentOptions: DocumentOptions) as JsonObject;
        }
        catch (JsonException e)
        {
            error = "malformed JSON: " + e.Message;
            return false;
        }
        if (root is null) { error = "the call must be a JSON object"; return false; }
        var type = JsonFields.String(root, "type");
        var framework = JsonFields.Id(root["framework_id"]) is { Length: > 0 } f ? new FrameworkId(f) : (FrameworkId?)null;
        if (type is null) { error = "the call has no 'type'"; return false; }
        if (type != "SUBSCRIBE" && framework is null) { error = $"{type} needs 'framework_id'"; return false; }
        var id = framework.GetValueOrDefault();
        error = "";
        var parsed = type switch
        {
            "SUBSCRIBE" => Subscribe(root["subscribe"] as JsonObject, framework, ref error),
            "TEARDOWN" => new SchedulerCall.Teardown(id),
            "ACCEPT" => Accept(root["accept"] as JsonObject, id, ref error),
            "DECLINE" => Decline(root["decline"] as JsonObject, id, ref error),
            "REVIVE" => new SchedulerCall.Revive(id, Roles(root["revive"] as JsonObject)),
            "SUPPRESS" => new SchedulerCall.Suppress(id, Roles(root["suppress"] as JsonObject)),
            "KILL" => Kill(root["kill"] as JsonObject, id, ref error),
            "ACKNOWLEDGE" => Acknowledge(root["acknowledge"] as JsonObject, id, ref error),
            "RECONCILE" => Reconcile(root["reconcile"] as JsonObject, id, ref error),
            "SHUTDOWN" => Shutdown(root["shutdown"] as JsonObject, id, ref error),
            "MESSAGE" => Message(root["message"] as JsonObject, id, ref error),
            _ => Fail($"unsupported call type '{type}'", ref error),
        };
        if (parsed is null) return false;
        call = parsed;
        return true;
    }

    private static SchedulerCall? Fail(string message, ref string error)
    {
        error = message;
        return null;
    }

    private static SchedulerCall? Subscribe(JsonObject? subscribe, FrameworkId? callFramework, ref string error)
    {
        if (subscribe?["framework_info"] is not JsonObject info) return Fail("SUBSCRIBE needs 'subscribe.framework_info'", ref error);
        var name = JsonFields.String(info, "name") ?? "";
        var user = JsonFields.String(info, "user") ?? "";
        var capabilities = (info["capabilities"] as JsonArray ?? []).Select(c => JsonFields.String(c as JsonObject, "type"))
            .OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        string[] roles;
        if (info["roles"] is JsonArray list)
        {
            if (!capabilities.Contains("MULTI_ROLE")) return new SchedulerCall.InvalidSubscription("framework_info.roles needs the MULTI_ROLE capability (use 'role' otherwise)");
            roles = list.Select(r => r?.GetValueKind() == JsonValueKind.String ? r.GetValue<string>() : null).OfType<string>().ToArray();
            if (roles.Length != list.Count || roles.Length == 0) return new SchedulerCall.InvalidSubscription("framework_info.roles must be a non-empty list of strings");
        }
        else
        {
            roles = [JsonFields.String(info, "role") ?? "*"];
        }
        var failover = TimeSpan.Zero;
        if (info["failover_timeout"] is { } timeout)
        {
            if (!JsonFields.TryDouble(timeout, out var seconds) || seconds < 0 || seconds > 365 * 24 * 3600.0)
                return new SchedulerCall.InvalidSubscription("framework_info.failover_timeout must be seconds between 0 and one year");
            failover = TimeSpan.FromSeconds(seconds);
        }
        var id = JsonFields.Id(info["id"]) is { Length: > 0 } given ? new FrameworkId(given) : callFramework;
        if (callFramework is { } outer && id is { } inner && outer != inner)
            return Fail("framework_id and subscribe.framework_info.id differ", ref error);
        var frameworkInfo = new FrameworkInfo(name, user, roles, capabilities, JsonFields.String(info, "principal"),
            JsonFields.String(info, "hostname"), JsonFields.String(info, "webui_url"));
        if (RegistryCommandValidator.Validate(new AddFramework(id ?? new FrameworkId("probe"), frameworkInfo, 0, 0)) is { } invalid)
            return new SchedulerCall.InvalidSubscription(invalid);
        return new SchedulerCall.Subscribe(id, frameworkInfo, failover);
    }

    private static SchedulerCall? Accept(JsonObject? accept, FrameworkId framework, ref string error)
    {
        if (accept is null) return Fail("ACCEPT needs 'accept'", ref error);
        if (!TryOfferIds(accept, out var offers, ref error)) return null;
        var launches = new List<TaskLaunch>();
        var operations = accept["operations"] as JsonArray ?? [];
        for (var o = 0; o < operations.Count; o++)
        {
            var operation = operations[o] as JsonObject;
            var type = JsonFields.String(operation, "type");
            if (type != "LAUNCH") return Fail($"accept.operations[{o}]: only LAUNCH is supported, not '{type}'", ref error);
            var tasks = operation!["launch"]?["task_infos"] as JsonArray ?? [];
            for (var t = 0; t < tasks.Count; t++)
            {
                var where = $"accept.operations[{o}].launch.task_infos[{t}]";
                if (tasks[t] is not JsonObject task) return Fail($"{where} must be an object", ref error);
                var taskId = JsonFields.Id(task["task_id"]);
                if (string.IsNullOrWhiteSpace(taskId)) return Fail($"{where}.task_id.value is missing", ref error);
                if (!ResourceJson.TryRead(task["resources"], out var resources, out var bad)) return Fail($"{where}.{bad}", ref error);
                var command = task["command"] as JsonObject;
                var value = JsonFields.String(command, "value");
                if (string.IsNullOrEmpty(value)) return Fail($"{where}.command.value is missing (only command tasks are supported)", ref error);
                if (command!["shell"] is JsonValue shell && shell.GetValueKind() == JsonValueKind.False)
                    return Fail($"{where}.command.shell=false is not supported; give a shell command", ref error);
                launches.Add(new TaskLaunch(new TaskId(taskId), JsonFields.String(task, "name") ?? taskId, resources, value));
            }
        }
        return new SchedulerCall.Accept(framework, offers, launches, Refuse(accept));
    }

    private static SchedulerCall? Decline(JsonObject? decline, FrameworkId framework, ref string error)
    {
        if (decline is null) return Fail("DECLINE needs 'decline'", ref error);
        return TryOfferIds(decline, out var offers, ref error) ? new SchedulerCall.Decline(framework, offers, Refuse(decline)) : null;
    }

    private static SchedulerCall? Kill(JsonObject? kill, FrameworkId framework, ref string error) =>
        JsonFields.Id(kill?["task_id"]) is { Length: > 0 } task
            ? new SchedulerCall.Kill(framework, new TaskId(task))
            : Fail("KILL needs 'kill.task_id'", ref error);

    private static SchedulerCall? Acknowledge(JsonObject? ack, FrameworkId framework, ref string error)
    {
        var agent = JsonFields.Id(ack?["agent_id"]);
        var task = JsonFields.Id(ack?["task_id"]);
        var uuid = JsonFields.String(ack, "uuid");
        if (string.IsNullOrEmpty(agent) || string.IsNullOrEmpty(task) || uuid is null)
            return Fail("ACKNOWLEDGE needs 'acknowledge.agent_id', 'acknowledge.task_id' and 'acknowledge.uuid'", ref error);
        var bytes = new byte[16];
        if (!Convert.TryFromBase64String(uuid, bytes, out var written) || written != 16)
            return Fail("acknowledge.uuid must be 16 bytes in base64", ref error);
        return new SchedulerCall.Acknowledge(framework, new AgentId(agent), new TaskId(task), new Guid(bytes));
    }

    private static SchedulerCall? Reconcile(JsonObject? reconcile, FrameworkId framework, ref string error)
    {
        var tasks = new List<(TaskId, AgentId?)>();
        foreach (var entry in reconcile?["tasks"] as JsonArray ?? [])
        {
            if (JsonFields.Id(entry?["task_id"]) is not { Length: > 0 } id) return Fail("each reconcile.tasks entry needs task_id", ref error);
            tasks.Add((new TaskId(id), JsonFields.Id(entry?["agent_id"]) is { Length: > 0 } agent ? new AgentId(agent) : null));
        }
        return new SchedulerCall.Reconcile(framework, tasks);
    }

    private static SchedulerCall? Shutdown(JsonObject? shutdown, FrameworkId framework, ref string error) =>
        JsonFields.Id(shutdown?["executor_id"]) is { Length: > 0 } executor
            ? new SchedulerCall.Shutdown(framework, executor, JsonFields.Id(shutdown?["agent_id"]) is { Length: > 0 } a ? new AgentId(a) : null)
            : Fail("SHUTDOWN needs 'shutdown.executor_id'", ref error);

    private static SchedulerCall? Message(JsonObject? message, FrameworkId framework, ref string error)
    {
        var agent = JsonFields.Id(message?["agent_id"]);
        var executor = JsonFields.Id(message?["executor_id"]);
        var data = JsonFields.String(message, "data");
        if (string.IsNullOrEmpty(agent) || string.IsNullOrEmpty(executor) || data is null)
            return Fail("MESSAGE needs 'message.agent_id', 'message.executor_id' and 'message.data'", ref error);
        try
        {
            var bytes = Convert.FromBase64String(data);
            return bytes.Length > 64 * 1024 ? Fail("message.data is limited to 64 KiB", ref error) : new SchedulerCall.Message(framework, new AgentId(agent), executor, bytes);
        }
        catch (FormatException)
        {
            return Fail("message.data must be base64", ref error);
        }
    }

    private static bool TryOfferIds(JsonObject call, out IReadOnlyList<OfferId> offers, ref string error)
    {
        var ids = (call["offer_ids"] as JsonArray ?? []).Select(JsonFields.Id).ToArray();
        offers = [.. ids.OfType<string>().Select(i => new OfferId(i))];
        if (ids.Length == 0 || ids.Any(string.IsNullOrEmpty))
        {
            error = "'offer_ids' must list at least one {\"value\": ...}";
            return false;
        }
        return true;
    }

    private static TimeSpan? Refuse(JsonObject call) =>
        JsonFields.TryDouble(call["filters"]?["refuse_seconds"], out var seconds) && seconds >= 0 && seconds < 365 * 24 * 3600.0
            ? TimeSpan.FromSeconds(seconds) : null;

    private static IReadOnlyList<string> Roles(JsonObject? call) =>
        (call?["roles"] as JsonArray ?? []).Select(r => r?.GetValueKind() == JsonValueKind.String ? r.GetValue<string>() : null).OfType<string>().ToArray();
}
