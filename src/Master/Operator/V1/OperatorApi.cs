using System.Buffers;
using System.Text.Json;
using Mesos.HA.Master.Core;
using Mesos.HA.Master.Http;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Http;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Replication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Master.Operator.V1;

/// <summary>
/// <c>POST /api/v1</c>, the Mesos v1 operator API of the master. Calls are JSON or MessagePack (as on
/// the scheduler API), answers in the encoding the client accepts. Reads answer 200 with one document,
/// writes 200 with none once the registry has them, SUBSCRIBE 200 with a RecordIO stream (SUBSCRIBED
/// with the whole state, then task, agent and framework events, HEARTBEATs). Every call needs the
/// leader: another master answers 307 to it, 503 when none is known. Malformed calls are 400, other
/// content types 415, calls Mesos has that this master does not serve 501, other methods 405. A
/// refused call changes nothing.
/// </summary>
public sealed partial class OperatorApi(
    MasterOptions options,
    ReplicatedRegistry registry,
    LeaderShell shell,
    OperatorEvents events,
    Func<CancellationToken, Task<SortedDictionary<string, double>>> metrics,
    DateTimeOffset startedAt,
    TimeProvider time,
    ILogger logger)
{
    public const string Path = "/api/v1";
    private const int MaxCallBytes = 1 << 20;

    public async Task HandleAsync(HttpContext http)
    {
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            http.Response.Headers.Allow = "POST";
            await ApiEncoding.ErrorAsync(http, StatusCodes.Status405MethodNotAllowed, "the operator API takes POST").ConfigureAwait(false);
            return;
        }
        var encoding = ApiEncoding.EncodingOf(http.Request.ContentType);
        if (encoding is null)
        {
            await ApiEncoding.ErrorAsync(http, StatusCodes.Status415UnsupportedMediaType,
                $"calls must be {ApiEncoding.JsonType} or {ApiEncoding.MessagePackType}").ConfigureAwait(false);
            return;
        }
        var body = await ApiEncoding.ReadBodyAsync(http, MaxCallBytes).ConfigureAwait(false);
        if (body is null) return;
        if (encoding == ApiEncoding.MessagePackType && !ApiEncoding.TryMessagePackToJson(body, out body, out var undecodable))
        {
            await ApiEncoding.ErrorAsync(http, StatusCodes.Status400BadRequest, "malformed MessagePack: " + undecodable).ConfigureAwait(false);
            return;
        }
        if (!OperatorCallJson.TryParse(body, out var call, out var error, out var notServed))
        {
            await ApiEncoding.ErrorAsync(http, notServed ? StatusCodes.Status501NotImplemented : StatusCodes.Status400BadRequest, error)
                .ConfigureAwait(false);
            return;
        }
        var (leading, _) = await LeaderWait.ResolveAsync(registry, shell, time, http.RequestAborted).ConfigureAwait(false);
        if (!leading || shell.Term is not { } term)
        {
            await NotLeaderAsync(http).ConfigureAwait(false);
            return;
        }
        LogCall(logger, call.Type);
        switch (call)
        {
            case OperatorCall.Plain { Type: OperatorCall.SubscribeType }:
                await SubscribeAsync(http, term).ConfigureAwait(false);
                break;
            case OperatorCall.Plain read:
                await ReadAsync(http, read.Type).ConfigureAwait(false);
                break;
            default:
                await WriteAsync(http, call).ConfigureAwait(false);
                break;
        }
    }

    private async Task ReadAsync(HttpContext http, string type)
    {
        var view = await ViewAsync(http.RequestAborted).ConfigureAwait(false);
        if (view is null)
        {
            await NotLeaderAsync(http).ConfigureAwait(false);
            return;
        }
        if (Filtered.Contains(type) && ViewOf(http) is { } permissions) view = Security.ViewFilter.Filter(view, permissions);
        var snapshot = type == "GET_METRICS" ? await metrics(http.RequestAborted).ConfigureAwait(false) : null;
        var answer = Answer(type, Fields.TryGetValue(type, out var whole) ? json => whole(json, view) : Object(json =>
        {
            switch (type)
            {
                case "GET_HEALTH":
                    json.WriteBoolean("healthy", true);
                    break;
                case "GET_VERSION":
                    json.WriteStartObject("version_info");
                    json.WriteString("version", OperatorJson.Version);
                    json.WriteEndObject();
                    break;
                case "GET_FLAGS":
                    WriteFlags(json);
                    break;
                case "GET_METRICS":
                    json.WriteStartArray("metrics");
                    foreach (var (name, value) in snapshot!)
                    {
                        json.WriteStartObject();
                        json.WriteString("name", name);
                        json.WriteNumber("value", value);
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                    break;
                case "GET_MASTER":
                    WriteMaster(json);
                    break;
                default:
                    throw new InvalidOperationException($"no answer for {type}"); // Reads and Fields list every read
            }
        }));
        await RespondAsync(http, answer).ConfigureAwait(false);
    }

    /// <summary>The reads that show frameworks, tasks or executors: each principal sees those its view ACLs allow.</summary>
    private static readonly HashSet<string> Filtered = new(StringComparer.Ordinal) { "GET_STATE", "GET_FRAMEWORKS", "GET_TASKS", "GET_EXECUTORS" };

    /// <summary>What the request's principal may see of frameworks, tasks and executors; null when the ACLs show everything.</summary>
    private Security.ViewPermissions? ViewOf(HttpContext http) => Security.ViewPermissions.Of(options.Acls, Security.HttpAuthentication.PrincipalOf(http));

    /// <summary>The reads whose answer is one object of the view (GET_STATE's get_state, and so on), written whole.</summary>
    private static readonly Dictionary<string, Action<Utf8JsonWriter, OperatorView>> Fields = new(StringComparer.Ordinal)
    {
        ["GET_STATE"] = OperatorJson.WriteState,
        ["GET_AGENTS"] = OperatorJson.WriteAgents,
        ["GET_FRAMEWORKS"] = OperatorJson.WriteFrameworks,
        ["GET_EXECUTORS"] = (json, v) => OperatorJson.WriteExecutors(json, v.Core),
        ["GET_TASKS"] = (json, v) => OperatorJson.WriteTasks(json, v.Core),
        ["GET_ROLES"] = OperatorJson.WriteRoles,
        ["GET_WEIGHTS"] = (json, v) => OperatorJson.WriteWeights(json, v.Registry),
        ["GET_QUOTA"] = (json, v) => OperatorJson.WriteQuota(json, v.Registry),
        ["GET_MAINTENANCE_STATUS"] = (json, v) => MaintenanceJson.WriteStatus(json, v.Registry),
        ["GET_MAINTENANCE_SCHEDULE"] = (json, v) => MaintenanceJson.WriteSchedule(json, v.Registry),
    };

    private void WriteFlags(Utf8JsonWriter json)
    {
        var leader = options.Leader;
        var flags = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["id"] = options.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["hostname"] = options.HttpHost,
            ["port"] = options.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["raft"] = options.Replication.RaftEndPoint.ToString(),
            ["masters"] = string.Join(",", options.Replication.Members),
            ["work_dir"] = options.Replication.DataDirectory,
            ["allocation_interval"] = MesosDuration.Format(leader.AllocationInterval),
            ["agent_reregister_timeout"] = MesosDuration.Format(leader.AgentReregisterTimeout),
            ["agent_ping_timeout"] = MesosDuration.Format(leader.AgentPingInterval),
            ["max_agent_ping_timeouts"] = leader.MaxAgentPingTimeouts.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["offer_timeout"] = leader.OfferTimeout is { } offer ? MesosDuration.Format(offer) : "",
            ["heartbeat_interval"] = MesosDuration.Format(options.SchedulerApi.Heartbeat),
            ["dns"] = options.Dns?.ToString() ?? "",
            ["forward_to_leader"] = Flag(options.ForwardToLeader),
            // Which realms authenticate; the credentials themselves are never shown.
            ["authenticate_agents"] = Flag(options.Authentication.Agents),
            ["authenticate_http_frameworks"] = Flag(options.Authentication.Frameworks),
            ["authenticate_http_readonly"] = Flag(options.Authentication.ReadOnly),
            ["authenticate_http_readwrite"] = Flag(options.Authentication.ReadWrite),
        };
        json.WriteStartArray("flags");
        foreach (var (name, value) in flags)
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("value", value);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static string Flag(bool on) => on ? "true" : "false";

    private void WriteMaster(Utf8JsonWriter json)
    {
        json.WriteStartObject("master_info");
        json.WriteString("id", $"master-{options.Id}");
        json.WriteString("hostname", options.HttpHost);
        json.WriteNumber("port", options.HttpPort);
        json.WriteString("version", OperatorJson.Version);
        json.WriteStartObject("address");
        json.WriteString("hostname", options.HttpHost);
        json.WriteString("ip", options.HttpHost);
        json.WriteNumber("port", options.HttpPort);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteNumber("start_time", startedAt.ToUnixTimeMilliseconds() / 1000.0);
        if (shell.ElectedAt is { } elected) json.WriteNumber("elected_time", elected.ToUnixTimeMilliseconds() / 1000.0);
    }

    /// <summary>
    /// The writes: 200 once the registry holds the change and the leader's core acted on it; 400 with the
    /// reason the registry refused; 404 for an agent it does not hold.
    /// </summary>
    private async Task WriteAsync(HttpContext http, OperatorCall call)
    {
        if (call is OperatorCall.Teardown teardown)
        {
            await TeardownAsync(http, teardown.Framework).ConfigureAwait(false);
            return;
        }
        if (Forbidden(http, call) is { } forbidden)
        {
            await ApiEncoding.ErrorAsync(http, StatusCodes.Status403Forbidden, forbidden).ConfigureAwait(false);
            return;
        }
        try
        {
            switch (call)
            {
                case OperatorCall.UpdateWeights w:
                    if (!await ProposeAsync(http, new SetWeights(w.Weights)).ConfigureAwait(false)) return;
                    break;
                case OperatorCall.UpdateQuota q:
                    // Checked together first, so that one bad config refuses the call before any is written.
                    foreach (var quota in q.Quotas)
                        if (RegistryCommandValidator.Validate(new SetQuota(quota)) is { } invalid)
                        {
                            await ApiEncoding.ErrorAsync(http, StatusCodes.Status400BadRequest, invalid).ConfigureAwait(false);
                            return;
                        }
                    foreach (var quota in q.Quotas)
                        if (!await ProposeAsync(http, new SetQuota(quota)).ConfigureAwait(false)) return;
                    break;
                case OperatorCall.MarkAgentGone g:
                    if (!await KnownAsync(http, g.Agent).ConfigureAwait(false)) return;
                    if (!await ProposeAsync(http, new Protocol.Registry.MarkAgentGone(g.Agent, time.GetUtcNow().ToUnixTimeMilliseconds())).ConfigureAwait(false))
                        return;
                    // The registry holds it; now the leader's view: offers rescinded, tasks TASK_GONE, the agent's session ended.
                    await shell.RunAsync(new MarkAgentGoneCall(g.Agent), http.RequestAborted).ConfigureAwait(false);
                    break;
                case OperatorCall.DrainAgent d:
                    if (!await KnownAsync(http, d.Agent).ConfigureAwait(false)) return;
                    var maxGraceMs = d.MaxGrace is { } grace ? (long)Math.Ceiling(grace.TotalMilliseconds) : (long?)null;
                    if (!await ProposeAsync(http, new DrainAgent(d.Agent, maxGraceMs, d.MarkGone)).ConfigureAwait(false)) return;
                    await shell.RunAsync(new DrainAgentCall(d.Agent, d.MaxGrace, d.MarkGone), http.RequestAborted).ConfigureAwait(false);
                    break;
                case OperatorCall.DeactivateAgent d:
                    if (!await KnownAsync(http, d.Agent).ConfigureAwait(false)) return;
                    if (!await ProposeAsync(http, new DeactivateAgent(d.Agent)).ConfigureAwait(false)) return;
                    await shell.RunAsync(new DeactivateAgentCall(d.Agent), http.RequestAborted).ConfigureAwait(false);
                    break;
                case OperatorCall.ReactivateAgent r:
                    if (!await KnownAsync(http, r.Agent).ConfigureAwait(false)) return;
                    if (!await ProposeAsync(http, new ReactivateAgent(r.Agent)).ConfigureAwait(false)) return;
                    await shell.RunAsync(new ReactivateAgentCall(r.Agent), http.RequestAborted).ConfigureAwait(false);
                    break;
                case OperatorCall.UpdateMaintenanceSchedule u:
                    if (!await ChangeMaintenanceAsync(http, new UpdateMaintenanceSchedule(u.Windows)).ConfigureAwait(false)) return;
                    break;
                case OperatorCall.StartMaintenance start:
                    if (!await ChangeMaintenanceAsync(http, new StartMaintenance(start.Machines) { AtMs = time.GetUtcNow().ToUnixTimeMilliseconds() })
                            .ConfigureAwait(false)) return;
                    break;
                case OperatorCall.StopMaintenance stop:
                    if (!await ChangeMaintenanceAsync(http, new StopMaintenance(stop.Machines)).ConfigureAwait(false)) return;
                    break;
            }
            http.Response.StatusCode = StatusCodes.Status200OK;
        }
        catch (NotLeaderException)
        {
            await NotLeaderAsync(http).ConfigureAwait(false);
        }
    }

    /// <summary>The ACL action a write needs and the objects it acts on; null when every object is allowed.</summary>
    private string? Forbidden(HttpContext http, OperatorCall call)
    {
        var (action, targets) = call switch
        {
            OperatorCall.UpdateWeights w => ("update_weights", w.Weights.Select(x => x.Role)),
            OperatorCall.UpdateQuota q => ("update_quotas", q.Quotas.Select(x => x.Role)),
            OperatorCall.DrainAgent d => ("drain_agents", [d.Agent.Value]),
            OperatorCall.DeactivateAgent d => ("drain_agents", [d.Agent.Value]),
            OperatorCall.ReactivateAgent r => ("drain_agents", [r.Agent.Value]),
            OperatorCall.MarkAgentGone g => ("mark_agents_gone", [g.Agent.Value]),
            OperatorCall.UpdateMaintenanceSchedule u => ("update_maintenance_schedules", u.Windows.SelectMany(w => w.Machines).Select(MachineName)),
            OperatorCall.StartMaintenance start => ("start_maintenances", start.Machines.Select(MachineName)),
            OperatorCall.StopMaintenance stop => ("stop_maintenances", stop.Machines.Select(MachineName)),
            _ => ((string?)null, Enumerable.Empty<string>()),
        };
        return action is null ? null : ForbiddenTarget(http, action, targets);
    }

    /// <summary>A refusal naming the first of <paramref name="targets"/> the request's principal may not act on, or null.</summary>
    private string? ForbiddenTarget(HttpContext http, string action, IEnumerable<string> targets)
    {
        var principal = Security.HttpAuthentication.PrincipalOf(http);
        foreach (var target in targets)
            if (!options.Acls.Allows(action, principal, target))
            {
                LogForbidden(logger, principal ?? "(none)", action, target);
                return $"principal '{principal ?? "(none)"}' is not authorized to {action.Replace('_', ' ')} '{target}'";
            }
        return null;
    }

    /// <summary>A machine as ACLs name it: its hostname, or its IP when it has none.</summary>
    private static string MachineName(MachineId machine) => machine.Hostname.Length > 0 ? machine.Hostname : machine.Ip;

    private readonly SemaphoreSlim maintenanceWrites = new(1, 1);

    /// <summary>
    /// Writes a change of the maintenance schedule, then gives the leader's core the schedule the registry
    /// holds now. One at a time: the core is told each schedule in the order the registry took them.
    /// </summary>
    private async Task<bool> ChangeMaintenanceAsync(HttpContext http, RegistryCommand change)
    {
        var token = http.RequestAborted;
        await maintenanceWrites.WaitAsync(token).ConfigureAwait(false);
        try
        {
            var before = registry.LocalRegistry;
            if (!await ProposeAsync(http, change).ConfigureAwait(false)) return false;
            await shell.RunAsync(MaintenanceChange(before, registry.LocalRegistry), token).ConfigureAwait(false);
            return true;
        }
        finally
        {
            maintenanceWrites.Release();
        }
    }

    /// <summary>What the core is told after a maintenance write: the schedule now, and the agents gone (or forgotten) since <paramref name="before"/>.</summary>
    public static MaintenanceUpdated MaintenanceChange(Replication.Registry.Registry before, Replication.Registry.Registry after) =>
        new(after.ScheduledMachines())
        {
            RemovedAgents = [.. before.Agents.Values.Where(a => a.Status != AgentStatus.Gone)
                .Where(a => !after.Agents.TryGetValue(a.Info.Id, out var now) || now.Status == AgentStatus.Gone)
                .Select(a => a.Info.Id).OrderBy(id => id.Value, StringComparer.Ordinal)],
        };

    /// <summary>False (with 404 answered) when the registry does not hold the agent.</summary>
    private async Task<bool> KnownAsync(HttpContext http, AgentId agent)
    {
        if (registry.LocalRegistry.Agents.ContainsKey(agent)) return true;
        await ApiEncoding.ErrorAsync(http, StatusCodes.Status404NotFound, $"agent {agent} is not known").ConfigureAwait(false);
        return false;
    }

    /// <summary>Writes one command; false (with 400 answered) when the registry refuses it.</summary>
    private async Task<bool> ProposeAsync(HttpContext http, RegistryCommand command)
    {
        try
        {
            var result = await registry.ProposeAsync(command, http.RequestAborted).ConfigureAwait(false);
            if (result.Succeeded) return true;
            await ApiEncoding.ErrorAsync(http, StatusCodes.Status400BadRequest, result.Message).ConfigureAwait(false);
            return false;
        }
        catch (InvalidRegistryCommandException e)
        {
            await ApiEncoding.ErrorAsync(http, StatusCodes.Status400BadRequest, e.Message).ConfigureAwait(false);
            return false;
        }
    }

    private async Task SubscribeAsync(HttpContext http, long term)
    {
        OperatorStream? stream = null;
        var permissions = ViewOf(http);
        var view = await shell.ReadAsync(core =>
        {
            // Under the leader's lock: the stream sees every effect of a decision taken after this state.
            var picture = new OperatorView(registry.LocalRegistry, core.View());
            stream = events.Add(term, picture, permissions);
            return picture;
        }, http.RequestAborted).ConfigureAwait(false);
        if (view is not null && permissions is not null) view = Security.ViewFilter.Filter(view, permissions);
        if (view is null || stream is null)
        {
            if (stream is not null) events.Remove(stream);
            await NotLeaderAsync(http).ConfigureAwait(false);
            return;
        }
        var messagePack = ApiEncoding.WantsMessagePack(http.Request);
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = messagePack ? ApiEncoding.MessagePackType : ApiEncoding.JsonType;
        response.Headers.CacheControl = "no-cache";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stream.Closed);
        try
        {
            await WriteRecordAsync(response, OperatorEventJson.Subscribed(view, events.Heartbeat), messagePack, stop.Token).ConfigureAwait(false);
            while (await stream.Events.WaitToReadAsync(stop.Token).ConfigureAwait(false))
                while (stream.Events.TryRead(out var json))
                    await WriteRecordAsync(response, json, messagePack, stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException) { /* the client went away, or this master stopped leading */ }
        finally
        {
            events.Remove(stream);
        }
    }

    private static async Task WriteRecordAsync(HttpResponse response, byte[] json, bool messagePack, CancellationToken token)
    {
        await response.Body.WriteAsync(RecordIO.Frame(messagePack ? ApiEncoding.ToMessagePack(json) : json), token).ConfigureAwait(false);
        await response.Body.FlushAsync(token).ConfigureAwait(false);
    }

    private async Task<OperatorView?> ViewAsync(CancellationToken token) =>
        await shell.ReadAsync(core => new OperatorView(registry.LocalRegistry, core.View()), token).ConfigureAwait(false);

    /// <summary>A Response document: <c>{"type": T, "get_x": {...}}</c>, the field named after the type; <paramref name="value"/> writes its object.</summary>
    private static byte[] Answer(string type, Action<Utf8JsonWriter> value)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", type);
            json.WritePropertyName(type.ToLowerInvariant());
            value(json);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>An answer's object written property by property.</summary>
    private static Action<Utf8JsonWriter> Object(Action<Utf8JsonWriter> properties) => json =>
    {
        json.WriteStartObject();
        properties(json);
        json.WriteEndObject();
    };

    private static async Task RespondAsync(HttpContext http, byte[] json)
    {
        var messagePack = ApiEncoding.WantsMessagePack(http.Request);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = messagePack ? ApiEncoding.MessagePackType : ApiEncoding.JsonType;
        await http.Response.Body.WriteAsync(messagePack ? ApiEncoding.ToMessagePack(json) : json, http.RequestAborted).ConfigureAwait(false);
    }

    private Task NotLeaderAsync(HttpContext http) => ApiEncoding.NotLeaderAsync(http, registry.Leader, Path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Principal {Principal} is not authorized to {Action} {Target}")]
    private static partial void LogForbidden(ILogger logger, string principal, string action, string target);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Operator call {Type}")]
    private static partial void LogCall(ILogger logger, string type);
}
