using System.Buffers;
using System.Text.Json;
using Mesos.HA.Master.Http;
using Mesos.HA.Protocol.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mesos.HA.Master.Operator.V1;

/// <summary>
/// Mesos' maintenance endpoints from before the v1 operator API, which scripts and tools still call:
/// <c>/maintenance/schedule</c> (GET the schedule, POST a new one), <c>/maintenance/status</c> (GET),
/// <c>/machine/down</c> and <c>/machine/up</c> (POST a JSON list of machine ids). Same documents as the v1
/// calls' fields, same rules, same registry writes; the leader answers, the others 307 to it. <c>/teardown</c>
/// is mapped with them (<see cref="MapTeardownEndpoints"/>).
/// </summary>
public sealed partial class OperatorApi
{
    public void MapMaintenanceEndpoints(IEndpointRouteBuilder app)
    {
        app.MapMethods("/maintenance/schedule", [HttpMethods.Get, HttpMethods.Post], ScheduleAsync);
        app.MapGet("/maintenance/status", StatusAsync);
        app.MapPost("/machine/down", (HttpContext http) => MachinesAsync(http, down: true));
        app.MapPost("/machine/up", (HttpContext http) => MachinesAsync(http, down: false));
        // Mapped with these (MasterHost maps the older endpoints through here).
        MapTeardownEndpoints(app);
    }

    private async Task ScheduleAsync(HttpContext http)
    {
        if (HttpMethods.IsGet(http.Request.Method))
        {
            if (await LeadingAsync(http).ConfigureAwait(false))
                await WriteObjectAsync(http, json => MaintenanceJson.WriteScheduleObject(json, registry.LocalRegistry)).ConfigureAwait(false);
            return;
        }
        if (await ReadJsonAsync(http, JsonValueKind.Object, "a schedule is a JSON object: {\"windows\": [...]}").ConfigureAwait(false) is not { } body)
            return;
        using (body)
        {
            if (!TryRead(() => MaintenanceJson.ReadSchedule(body.RootElement, "schedule"), out var windows, out var bad))
            {
                await ApiEncoding.ErrorAsync(http, StatusCodes.Status400BadRequest, bad).ConfigureAwait(false);
                return;
            }
            if (!await LeadingAsync(http).ConfigureAwait(false)) return;
            if (await ForbiddenAsync(http, new OperatorCall.UpdateMaintenanceSchedule(windows!)).ConfigureAwait(false)) return;
            await ChangeOrRedirectAsync(http, new UpdateMaintenanceSchedule(windows!)).ConfigureAwait(false);
        }
    }

    private async Task StatusAsync(HttpContext http)
    {
        if (await LeadingAsync(http).ConfigureAwait(false))
            await WriteObjectAsync(http, json => MaintenanceJson.WriteStatusObject(json, registry.LocalRegistry)).ConfigureAwait(false);
    }

    private async Task MachinesAsync(HttpContext http, bool down)
    {
        if (await ReadJsonAsync(http, JsonValueKind.Array, "machines are a JSON list: [{\"hostname\": ..., \"ip\": ...}]").ConfigureAwait(false) is not { } body)
            return;
        using (body)
        {
            if (!TryRead(() => MaintenanceJson.ReadMachines(body.RootElement, "machines"), out var machines, out var bad) || machines!.Count == 0)
            {
                await ApiEncoding.ErrorAsync(http, StatusCodes.Status400BadRequest, machines is null ? bad : "no machines given").ConfigureAwait(false);
                return;
            }
            if (!await LeadingAsync(http).ConfigureAwait(false)) return;
            if (await ForbiddenAsync(http, down ? new OperatorCall.StartMaintenance(machines) : new OperatorCall.StopMaintenance(machines))
                    .ConfigureAwait(false)) return;
            RegistryCommand change = down
                ? new StartMaintenance(machines) { AtMs = time.GetUtcNow().ToUnixTimeMilliseconds() }
                : new StopMaintenance(machines);
            await ChangeOrRedirectAsync(http, change).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes the change: 200 once written; 400 when the registry refuses it; 307 or 503 (as a call to a
    /// follower) when leadership is lost while the write is under way, which a loaded leader's lease can do.
    /// </summary>
    private async Task ChangeOrRedirectAsync(HttpContext http, RegistryCommand change)
    {
        try
        {
            if (await ChangeMaintenanceAsync(http, change).ConfigureAwait(false)) http.Response.StatusCode = StatusCodes.Status200OK;
        }
        catch (Replication.NotLeaderException)
        {
            await ApiEncoding.NotLeaderAsync(http, registry.Leader, http.Request.Path).ConfigureAwait(false);
        }
    }

    /// <summary>True, with 403 answered, when the ACLs do not allow the request's principal the change.</summary>
    private async Task<bool> ForbiddenAsync(HttpContext http, OperatorCall change)
    {
        if (Forbidden(http, change) is not { } refusal) return false;
        await ApiEncoding.ErrorAsync(http, StatusCodes.Status403Forbidden, refusal).ConfigureAwait(false);
        return true;
    }

    /// <summary>True on the leader; otherwise 307 to the leader's same path (503 when none is known) and false.</summary>
    private async Task<bool> LeadingAsync(HttpContext http)
    {
        var (leading, _) = await LeaderWait.ResolveAsync(registry, shell, time, http.RequestAborted).ConfigureAwait(false);
        if (leading && shell.Term is not null) return true;
        await ApiEncoding.NotLeaderAsync(http, registry.Leader, http.Request.Path).ConfigureAwait(false);
        return false;
    }

    /// <summary>The body as a JSON document whose root is <paramref name="root"/>; null with 400 (or 413) answered otherwise.</summary>
    private static async Task<JsonDocument?> ReadJsonAsync(HttpContext http, JsonValueKind root, string expected)
    {
        var bytes = await ApiEncoding.ReadBodyAsync(http, MaxCallBytes).ConfigureAwait(false);
        if (bytes is null) return null;
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            // JsonDocument would check a string's UTF-8 only when it is read, and then throw InvalidOperationException.
            await ApiEncoding.ErrorAsync(http, StatusCodes.Status400BadRequest, "malformed JSON: the body is not valid UTF-8").ConfigureAwait(false);
            return null;
        }
        try
        {
            // A well-formed escape System.Text.Json cannot read as text would throw InvalidOperationException later.
            if (Protocol.JsonEscapes.HasLoneSurrogate(bytes, new JsonReaderOptions { MaxDepth = 32 }))
            {
                await ApiEncoding.ErrorAsync(http, StatusCodes.Status400BadRequest, "malformed JSON: " + Protocol.JsonEscapes.LoneSurrogateMessage).ConfigureAwait(false);
                return null;
            }
            var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 32 });
            if (document.RootElement.ValueKind == root) return document;
            document.Dispose();
        }
        catch (JsonException e)
        {
            await ApiEncoding.ErrorAsync(http, StatusCodes.Status400BadRequest, "malformed JSON: " + e.Message).ConfigureAwait(false);
            return null;
        }
        await ApiEncoding.ErrorAsync(http, StatusCodes.Status400BadRequest, expected).ConfigureAwait(false);
        return null;
    }

    /// <summary>Runs a reader of the body; false with its message when it refuses the body.</summary>
    private static bool TryRead<T>(Func<T> read, out T? value, out string error) where T : class
    {
        try
        {
            value = read();
            error = "";
            return true;
        }
        catch (FormatException e)
        {
            value = null;
            error = e.Message;
            return false;
        }
    }

    private static async Task WriteObjectAsync(HttpContext http, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer)) write(json);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = ApiEncoding.JsonType;
        await http.Response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted).ConfigureAwait(false);
    }
}
