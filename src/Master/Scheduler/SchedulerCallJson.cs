using System.Text.Json;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Http;
using V1 = Mesos.HA.Protocol.Http.V1;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Master.Scheduler;

/// <summary>
/// Reads scheduler calls in the Mesos v1 JSON shape (<c>{"type": "ACCEPT", "framework_id": {"value"},
/// "accept": {...}}</c>) through the shared contracts (<see cref="V1.Call"/>). Liberal in what it accepts
/// (unknown fields, field order, numbers as strings, see <see cref="V1.TolerantJson"/>); every refusal
/// names the field that is wrong.
/// </summary>
public static class SchedulerCallJson
{
    public static bool TryParse(ReadOnlyMemory<byte> body, out SchedulerCall call, out string error)
    {
        call = null!;
        V1.Call? root;
        var wrongKinds = new List<string>();
        try
        {
            root = V1.TolerantJson.Read(body.Span, V1.SchedulerJsonContext.Default.Call, wrongKinds);
        }
        catch (JsonException e)
        {
            error = "malformed JSON: " + e.Message;
            return false;
        }
        if (root is null) { error = "the call must be a JSON object"; return false; }
        var type = root.Type;
        var framework = root.FrameworkId?.Value is { Length: > 0 } f ? new FrameworkId(f) : (FrameworkId?)null;
        if (type is null) { error = "the call has no 'type'"; return false; }
        if (type != V1.Call.SubscribeType && framework is null) { error = $"{type} needs 'framework_id'"; return false; }
        var id = framework.GetValueOrDefault();
        error = "";
        var parsed = type switch
        {
            V1.Call.SubscribeType => Subscribe(root.Subscribe?.FrameworkInfo, framework, ref error),
            V1.Call.TeardownType => new SchedulerCall.Teardown(id),
            V1.Call.AcceptType => Accept(root.Accept, id, wrongKinds, ref error),
            V1.Call.DeclineType => Decline(root.Decline, id, ref error),
            V1.Call.AcceptInverseOffersType => InverseOffers(root.AcceptInverseOffers, "accept_inverse_offers", accept: true, id, ref error),
            V1.Call.DeclineInverseOffersType => InverseOffers(root.DeclineInverseOffers, "decline_inverse_offers", accept: false, id, ref error),
            V1.Call.ReviveType => new SchedulerCall.Revive(id, Roles(root.Revive)),
            V1.Call.SuppressType => new SchedulerCall.Suppress(id, Roles(root.Suppress)),
            V1.Call.KillType => Kill(root.Kill, id, ref error),
            V1.Call.AcknowledgeType => Acknowledge(root.Acknowledge, id, ref error),
            V1.Call.ReconcileType => Reconcile(root.Reconcile, id, ref error),
            V1.Call.ShutdownType => Shutdown(root.Shutdown, id, ref error),
            V1.Call.MessageType => Message(root.Message, id, ref error),
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

    private static SchedulerCall? Subscribe(V1.FrameworkInfo? info, FrameworkId? callFramework, ref string error)
    {
        if (info is null) return Fail("SUBSCRIBE needs 'subscribe.framework_info'", ref error);
        var capabilities = (info.Capabilities ?? []).Select(c => c?.Type).OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        string[] roles;
        if (info.Roles is { } list)
        {
            if (!capabilities.Contains("MULTI_ROLE")) return new SchedulerCall.InvalidSubscription("framework_info.roles needs the MULTI_ROLE capability (use 'role' otherwise)");
            roles = [.. list.OfType<string>()];
            if (roles.Length != list.Count || roles.Length == 0) return new SchedulerCall.InvalidSubscription("framework_info.roles must be a non-empty list of strings");
        }
        else
        {
            roles = [info.Role ?? "*"];
        }
        var failover = TimeSpan.Zero;
        if (info.FailoverTimeout is { } seconds)
        {
            // NaN: there, but not a number.
            if (!(seconds >= 0 && seconds <= 365 * 24 * 3600.0))
                return new SchedulerCall.InvalidSubscription("framework_info.failover_timeout must be seconds between 0 and one year");
            failover = TimeSpan.FromSeconds(seconds);
        }
        var id = info.Id?.Value is { Length: > 0 } given ? new FrameworkId(given) : callFramework;
        if (callFramework is { } outer && id is { } inner && outer != inner)
            return Fail("framework_id and subscribe.framework_info.id differ", ref error);
        var frameworkInfo = new FrameworkInfo(info.Name ?? "", info.User ?? "", roles, capabilities, info.Principal, info.Hostname, info.WebuiUrl);
        if (RegistryCommandValidator.Validate(new AddFramework(id ?? new FrameworkId("probe"), frameworkInfo, 0, 0)) is { } invalid)
            return new SchedulerCall.InvalidSubscription(invalid);
        return new SchedulerCall.Subscribe(id, frameworkInfo, failover);
    }

    private static SchedulerCall? Accept(V1.AcceptCall? accept, FrameworkId framework, List<string> wrongKinds, ref string error)
    {
        if (accept is null) return Fail("ACCEPT needs 'accept'", ref error);
        if (!TryOfferIds(accept.OfferIds, out var offers, ref error)) return null;
        var launches = new List<TaskLaunch>();
        var operations = accept.Operations ?? [];
        for (var o = 0; o < operations.Count; o++)
        {
            var type = operations[o]?.Type;
            if (type != "LAUNCH") return Fail($"accept.operations[{o}]: only LAUNCH is supported, not '{type}'", ref error);
            var tasks = operations[o]!.Launch?.TaskInfos ?? [];
            for (var t = 0; t < tasks.Count; t++)
            {
                var where = $"accept.operations[{o}].launch.task_infos[{t}]";
                if (tasks[t] is not { } task) return Fail($"{where} must be an object", ref error);
                if (LaunchJson.Task(task, where, framework, wrongKinds, out var bad) is not { } launch) return Fail(bad, ref error);
                launches.Add(launch);
            }
        }
        return new SchedulerCall.Accept(framework, offers, launches, Refuse(accept.Filters));
    }

    private static SchedulerCall? Decline(V1.DeclineCall? decline, FrameworkId framework, ref string error)
    {
        if (decline is null) return Fail("DECLINE needs 'decline'", ref error);
        return TryOfferIds(decline.OfferIds, out var offers, ref error) ? new SchedulerCall.Decline(framework, offers, Refuse(decline.Filters)) : null;
    }

    private static SchedulerCall? InverseOffers(V1.InverseOffersCall? answer, string field, bool accept, FrameworkId framework, ref string error)
    {
        if (answer is null) return Fail($"{field.ToUpperInvariant()} needs '{field}'", ref error);
        var ids = (answer.InverseOfferIds ?? []).Select(V1.Id.ValueOf).ToArray();
        if (ids.Length == 0 || ids.Any(string.IsNullOrEmpty))
            return Fail($"'{field}.inverse_offer_ids' must list at least one {{\"value\": ...}}", ref error);
        return new SchedulerCall.AnswerInverseOffers(framework, [.. ids.Select(i => new OfferId(i!))], accept, Refuse(answer.Filters));
    }

    private static SchedulerCall? Kill(V1.KillCall? kill, FrameworkId framework, ref string error) =>
        kill?.TaskId?.Value is { Length: > 0 } task
            ? new SchedulerCall.Kill(framework, new TaskId(task), kill.AgentId?.Value is { Length: > 0 } agent ? new AgentId(agent) : null)
            : Fail("KILL needs 'kill.task_id'", ref error);

    private static SchedulerCall? Acknowledge(V1.AcknowledgeCall? ack, FrameworkId framework, ref string error)
    {
        var agent = ack?.AgentId?.Value;
        var task = ack?.TaskId?.Value;
        var uuid = ack?.Uuid;
        if (string.IsNullOrEmpty(agent) || string.IsNullOrEmpty(task) || uuid is null)
            return Fail("ACKNOWLEDGE needs 'acknowledge.agent_id', 'acknowledge.task_id' and 'acknowledge.uuid'", ref error);
        var bytes = new byte[16];
        if (!Convert.TryFromBase64String(uuid, bytes, out var written) || written != 16)
            return Fail("acknowledge.uuid must be 16 bytes in base64", ref error);
        return new SchedulerCall.Acknowledge(framework, new AgentId(agent), new TaskId(task), new Guid(bytes));
    }

    private static SchedulerCall? Reconcile(V1.ReconcileCall? reconcile, FrameworkId framework, ref string error)
    {
        var tasks = new List<(TaskId, AgentId?)>();
        foreach (var entry in reconcile?.Tasks ?? [])
        {
            if (entry?.TaskId?.Value is not { Length: > 0 } id) return Fail("each reconcile.tasks entry needs task_id", ref error);
            tasks.Add((new TaskId(id), entry.AgentId?.Value is { Length: > 0 } agent ? new AgentId(agent) : null));
        }
        return new SchedulerCall.Reconcile(framework, tasks);
    }

    private static SchedulerCall? Shutdown(V1.ShutdownCall? shutdown, FrameworkId framework, ref string error) =>
        shutdown?.ExecutorId?.Value is { Length: > 0 } executor
            ? new SchedulerCall.Shutdown(framework, executor, shutdown.AgentId?.Value is { Length: > 0 } a ? new AgentId(a) : null)
            : Fail("SHUTDOWN needs 'shutdown.executor_id'", ref error);

    private static SchedulerCall? Message(V1.MessageCall? message, FrameworkId framework, ref string error)
    {
        var agent = message?.AgentId?.Value;
        var executor = message?.ExecutorId?.Value;
        var data = message?.Data;
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

    private static bool TryOfferIds(IReadOnlyList<V1.Id?>? given, out IReadOnlyList<OfferId> offers, ref string error)
    {
        var ids = (given ?? []).Select(V1.Id.ValueOf).ToArray();
        offers = [.. ids.OfType<string>().Select(i => new OfferId(i))];
        if (ids.Length == 0 || ids.Any(string.IsNullOrEmpty))
        {
            error = "'offer_ids' must list at least one {\"value\": ...}";
            return false;
        }
        return true;
    }

    private static TimeSpan? Refuse(V1.Filters? filters) =>
        filters?.RefuseSeconds is { } seconds && seconds >= 0 && seconds < 365 * 24 * 3600.0 ? TimeSpan.FromSeconds(seconds) : null;

    private static IReadOnlyList<string> Roles(V1.RolesCall? call) => [.. (call?.Roles ?? []).OfType<string>()];
}
