using System.Buffers;
using Mesos.HA.Master.Core;
using Mesos.HA.Master.Http;
using static Mesos.HA.Master.Http.ApiEncoding;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Http;
using Mesos.HA.Replication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Master.Scheduler;

/// <summary>
/// <c>POST /api/v1/scheduler</c>, the Mesos v1 scheduler HTTP API. SUBSCRIBE answers 200 with a
/// chunked RecordIO event stream (one record per chunk, flushed) and a <c>Mesos-Stream-Id</c>
/// header; other calls answer 202 and must carry that header. A master that does not lead answers
/// 307 to the leader (503 when none is known); malformed calls get 400, calls of frameworks
/// without a stream 403, other content types 415. A refused call changes nothing.
/// </summary>
public sealed partial class SchedulerEndpoint(FrameworkHub hub, LeaderShell shell, IRegistryLeadership registry, TimeProvider time, ILogger logger,
    Protocol.Security.Acls? acls = null)
{
    public const string Path = "/api/v1/scheduler";
    public const string StreamIdHeader = "Mesos-Stream-Id";

    /// <summary>The most bytes of queued events gathered into one write of the event stream.</summary>
    private const int CoalesceBytes = 64 * 1024;

    public async Task HandleAsync(HttpContext http)
    {
        var encoding = EncodingOf(http.Request.ContentType);
        if (encoding is null)
        {
            await ErrorAsync(http, StatusCodes.Status415UnsupportedMediaType, $"calls must be {JsonType} or {MessagePackType}").ConfigureAwait(false);
            return;
        }
        var body = await ReadBodyAsync(http).ConfigureAwait(false);
        if (body is null) return;
        if (encoding == MessagePackType && !TryMessagePackToJson(body, out body, out var undecodable))
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, "malformed MessagePack: " + undecodable).ConfigureAwait(false);
            return;
        }
        if (!SchedulerCallJson.TryParse(body, out var call, out var error))
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, error).ConfigureAwait(false);
            return;
        }
        var (leading, _) = await LeaderWait.ResolveAsync(registry, shell, time, http.RequestAborted).ConfigureAwait(false);
        var term = shell.Term;
        if (!leading || term is null)
        {
            await NotLeaderAsync(http).ConfigureAwait(false);
            return;
        }
        if (call is SchedulerCall.InvalidSubscription invalid)
        {
            await RefuseSubscriptionAsync(http, invalid.Reason).ConfigureAwait(false);
            return;
        }
        if (call is SchedulerCall.Subscribe subscribe)
        {
            var principal = Security.HttpAuthentication.PrincipalOf(http);
            if (PrincipalMismatch(principal, subscribe.Info.Principal) is { } mismatch)
            {
                await ErrorAsync(http, StatusCodes.Status400BadRequest, mismatch).ConfigureAwait(false);
                return;
            }
            if (subscribe.Info.Roles.FirstOrDefault(role => !Acls.Allows("register_frameworks", principal, role)) is { } forbidden)
            {
                // As Mesos: a stream whose only event is ERROR.
                LogUnauthorized(logger, principal ?? "(none)", "register_frameworks", forbidden);
                await RefuseSubscriptionAsync(http, $"Not authorized to use role '{forbidden}'").ConfigureAwait(false);
                return;
            }
            await SubscribeAsync(http, subscribe, term.Value).ConfigureAwait(false);
            return;
        }
        var framework = call.Framework!.Value;
        var streamId = http.Request.Headers[StreamIdHeader].ToString();
        if (streamId.Length == 0)
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, $"all calls but SUBSCRIBE must carry the '{StreamIdHeader}' header").ConfigureAwait(false);
            return;
        }
        if (hub.Find(framework) is not { } subscriber || subscriber.Term != term.Value)
        {
            await ErrorAsync(http, StatusCodes.Status403Forbidden, $"framework {framework} is not subscribed").ConfigureAwait(false);
            return;
        }
        if (subscriber.StreamId != streamId)
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, $"'{StreamIdHeader}' does not match the framework's current subscription").ConfigureAwait(false);
            return;
        }
        if (call is SchedulerCall.Accept { Launches.Count: > 0 } accept && UnauthorizedLaunches(http, accept) is { Count: > 0 } refused)
        {
            // As Mesos: each task not authorized ends in TASK_ERROR (REASON_TASK_UNAUTHORIZED) and does not run;
            // the others launch, and what they leave of the offers goes back.
            foreach (var (task, user) in refused)
                subscriber.Enqueue(SchedulerEventJson.Update(task.Id, null, TaskState.Error, null,
                    $"Not authorized to launch as user '{user}'", "REASON_TASK_UNAUTHORIZED", time.GetUtcNow()));
            call = accept with { Launches = [.. accept.Launches.Where(t => !refused.Any(r => ReferenceEquals(r.Task, t)))] };
        }
        var effects = await shell.RunInTermAsync(term.Value, Input(call), http.RequestAborted).ConfigureAwait(false);
        if (effects is null)
        {
            await NotLeaderAsync(http).ConfigureAwait(false);
            return;
        }
        if (effects.OfType<CallRejected>().FirstOrDefault() is { } rejected)
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, rejected.Message).ConfigureAwait(false);
            return;
        }
        if (call is SchedulerCall.Teardown) subscriber.CloseWith(SchedulerEventJson.Error("Framework was torn down"), replaced: true);
        http.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    /// <summary>The call as the core's input (roles a REVIVE or SUPPRESS leaves out are the framework's own).</summary>
    private MasterInput Input(SchedulerCall call) => call switch
    {
        SchedulerCall.Teardown t => new TeardownFramework(t.Id),
        SchedulerCall.Accept a => new AcceptOffers(a.Id, a.Offers, a.Launches, a.Refuse),
        SchedulerCall.Decline d => new DeclineOffers(d.Id, d.Offers, d.Refuse),
        SchedulerCall.AnswerInverseOffers a => new InverseOffersAnswered(a.Id, a.InverseOffers, a.Accepted, a.Refuse),
        SchedulerCall.Revive r => new ReviveOffers(r.Id, RolesOf(r.Id, r.Roles)),
        SchedulerCall.Suppress s => new SuppressOffers(s.Id, RolesOf(s.Id, s.Roles)),
        SchedulerCall.Kill k => new KillTaskCall(k.Id, k.Task, k.Agent),
        SchedulerCall.Acknowledge a => new UpdateAcknowledged(a.Id, a.Agent, a.Task, a.Uuid),
        SchedulerCall.Reconcile r => new ReconcileTasks(r.Id, r.Tasks),
        SchedulerCall.Shutdown s => new ShutdownExecutorCall(s.Id, s.Executor, s.Agent),
        SchedulerCall.Message m => new FrameworkMessage(m.Id, m.Agent, m.Executor, m.Data),
        _ => throw new ArgumentOutOfRangeException(nameof(call), call.GetType().Name), // subscriptions are handled before
    };

    private IReadOnlyList<string> RolesOf(FrameworkId framework, IReadOnlyList<string> given) =>
        given.Count > 0 ? given
            : registry.LocalRegistry.Frameworks.TryGetValue(framework, out var record) ? record.Info.Roles : [];

    private Protocol.Security.Acls Acls => acls ?? Protocol.Security.Acls.AllowAll;

    /// <summary>
    /// The launches the ACLs do not let the caller's principal run (<c>run_tasks</c>), each with the user it would run
    /// as: its command's user (CommandInfo.user) when given, else its framework's (FrameworkInfo.user).
    /// </summary>
    private List<(TaskLaunch Task, string User)> UnauthorizedLaunches(HttpContext http, SchedulerCall.Accept accept)
    {
        var refused = new List<(TaskLaunch, string)>();
        if (ReferenceEquals(Acls, Protocol.Security.Acls.AllowAll)) return refused;
        var frameworkUser = registry.LocalRegistry.Frameworks.TryGetValue(accept.Id, out var record) ? record.Info.User : "";
        var principal = Security.HttpAuthentication.PrincipalOf(http);
        foreach (var task in accept.Launches)
        {
            var user = task.User ?? frameworkUser;
            if (Acls.Allows("run_tasks", principal, user)) continue;
            LogUnauthorized(logger, principal ?? "(none)", "run_tasks", user);
            refused.Add((task, user));
        }
        return refused;
    }

    /// <summary>As Mesos: an authenticated framework must name its principal in FrameworkInfo, and the same one.</summary>
    private static string? PrincipalMismatch(string? authenticated, string? claimed) =>
        authenticated is null ? null
        : claimed is null ? $"authenticated with principal '{authenticated}' but framework_info.principal is not set"
        : claimed != authenticated ? $"framework_info.principal '{claimed}' differs from the authenticated principal '{authenticated}'"
        : null;

    private async Task SubscribeAsync(HttpContext http, SchedulerCall.Subscribe call, long term)
    {
        var known = call.Id is { } given && registry.LocalRegistry.Frameworks.ContainsKey(given);
        if (call.Id is { } unknown && !known)
        {
            await ErrorAsync(http, StatusCodes.Status403Forbidden,
                $"framework {unknown} is not registered (torn down, or its failover timeout expired); subscribe without an id").ConfigureAwait(false);
            return;
        }
        var id = call.Id ?? new FrameworkId($"{Guid.NewGuid():N}-0000");
        // The stream exists before the core hears of the framework, so the offers of the allocation
        // that follows the subscription have somewhere to go.
        var subscriber = hub.Add(id, term);
        var effects = await shell.RunInTermAsync(term, new SubscribeFramework(id, call.Info, call.FailoverTimeout, known), http.RequestAborted)
            .ConfigureAwait(false);
        if (effects is null)
        {
            hub.Remove(subscriber);
            subscriber.Close();
            await NotLeaderAsync(http).ConfigureAwait(false);
            return;
        }
        if (effects.OfType<CallRejected>().FirstOrDefault() is { } refused)
        {
            hub.Remove(subscriber);
            subscriber.Close();
            await RefuseSubscriptionAsync(http, refused.Message).ConfigureAwait(false);
            return;
        }
        LogSubscribed(logger, id.Value, known, term);
        try
        {
            await StreamAsync(http, subscriber).ConfigureAwait(false);
        }
        finally
        {
            var wasCurrent = hub.Remove(subscriber);
            subscriber.Close();
            if (wasCurrent && !subscriber.Replaced)
            {
                LogDisconnected(logger, id.Value);
                await shell.RunInTermAsync(term, new FrameworkDisconnected(id), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A stream with a single ERROR event, then closed: what Mesos answers to an unacceptable FrameworkInfo.</summary>
    private static async Task RefuseSubscriptionAsync(HttpContext http, string reason)
    {
        var messagePack = WantsMessagePack(http.Request);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = messagePack ? MessagePackType : JsonType;
        await WriteRecordAsync(http.Response, SchedulerEventJson.Error(reason), messagePack, http.RequestAborted).ConfigureAwait(false);
    }

    private async Task StreamAsync(HttpContext http, Subscriber subscriber)
    {
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        var messagePack = WantsMessagePack(http.Request);
        response.ContentType = messagePack ? MessagePackType : JsonType;
        response.Headers[StreamIdHeader] = subscriber.StreamId;
        response.Headers.CacheControl = "no-cache";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, subscriber.Closed);
        await WriteRecordAsync(response, SchedulerEventJson.Subscribed(subscriber.Framework, hub.Options.Heartbeat), messagePack, stop.Token).ConfigureAwait(false);
        var heartbeat = HeartbeatAsync(subscriber, stop.Token);
        var batch = new ArrayBufferWriter<byte>(CoalesceBytes);
        try
        {
            while (await subscriber.Events.WaitToReadAsync(stop.Token).ConfigureAwait(false))
            {
                while (subscriber.Events.TryRead(out var json))
                {
                    var record = RecordIO.Frame(messagePack ? ToMessagePack(json) : json);
                    if (batch.WrittenCount > 0 && batch.WrittenCount + record.Length > CoalesceBytes)
                        await WriteBatchAsync(response, batch, stop.Token).ConfigureAwait(false);
                    batch.Write(record);
                }
                if (batch.WrittenCount > 0) await WriteBatchAsync(response, batch, stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException) { /* the framework went away, or the stream was closed */ }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task HeartbeatAsync(Subscriber subscriber, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            await Task.Delay(hub.Options.Heartbeat, time, token).ConfigureAwait(false);
            subscriber.Enqueue(SchedulerEventJson.Heartbeat());
        }
    }

    /// <summary>
    /// The records queued, written and flushed as one chunk: a client still sees each event as soon as the queue
    /// runs dry, and a burst (the updates of a batch of tasks) costs one write, one flush and, on TLS, one record,
    /// not one each.
    /// </summary>
    private static async Task WriteBatchAsync(HttpResponse response, ArrayBufferWriter<byte> batch, CancellationToken token)
    {
        await response.Body.WriteAsync(batch.WrittenMemory, token).ConfigureAwait(false);
        await response.Body.FlushAsync(token).ConfigureAwait(false);
        batch.ResetWrittenCount();
    }

    /// <summary>One record per chunk, flushed, so a client sees each event as it happens.</summary>
    private static async Task WriteRecordAsync(HttpResponse response, byte[] json, bool messagePack, CancellationToken token)
    {
        var record = messagePack ? ApiEncoding.ToMessagePack(json) : json;
        await response.Body.WriteAsync(RecordIO.Frame(record), token).ConfigureAwait(false);
        await response.Body.FlushAsync(token).ConfigureAwait(false);
    }

    private Task<byte[]?> ReadBodyAsync(HttpContext http) => ApiEncoding.ReadBodyAsync(http, hub.Options.MaxCallBytes);

    private Task NotLeaderAsync(HttpContext http) => ApiEncoding.NotLeaderAsync(http, registry.Leader, Path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Framework {Framework} subscribed (again: {Known}) in term {Term}")]
    private static partial void LogSubscribed(ILogger logger, string framework, bool known, long term);

    [LoggerMessage(Level = LogLevel.Information, Message = "Framework {Framework} disconnected; its failover timeout runs")]
    private static partial void LogDisconnected(ILogger logger, string framework);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Principal {Principal} is not authorized to {Action} {Target}")]
    private static partial void LogUnauthorized(ILogger logger, string principal, string action, string target);
}
