using Mesos.HA.Agent.Core;
using Mesos.HA.Protocol.Http;
using Microsoft.AspNetCore.Http;
using V1 = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.Agent.Executors;

/// <summary>
/// <c>POST /api/v1/executor</c>: SUBSCRIBE answers 200 with a RecordIO stream of events, other
/// calls 202. Calls come as JSON or protobuf (by <c>Content-Type</c>), the stream is JSON or protobuf
/// (by <c>Accept</c>, see <see cref="MediaTypes"/>); protobuf is transcoded to and from the JSON at this
/// edge (<see cref="V1.ExecutorProtobuf"/>). 400 malformed or unknown framework/executor/task, 403 a
/// call before SUBSCRIBE, 405 not a POST, 406 a stream the client cannot accept, 415 neither JSON nor
/// protobuf, 503 before the agent is registered. With <see cref="Authentication"/> (<c>--authenticate-http-executors</c>),
/// a call without a valid executor token is 401 and a token of another executor (or run) 403, before anything changes.
/// </summary>
public sealed class ExecutorEndpoint(ExecutorHost host, Func<bool> ready, Action<AgentInput> feed, TimeProvider time)
{
    public const string Path = "/api/v1/executor";
    public const string Realm = "mesos-agent-executor";
    private const int MaxCallBytes = 1 << 20;

    /// <summary>When set, every call must carry its executor's token (<c>Authorization: Bearer</c>); null: no check.</summary>
    public ExecutorTokens? Authentication { get; init; }

    /// <summary>Between HEARTBEAT events on a quiet stream.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (!HttpMethods.IsPost(request.Method))
        {
            response.Headers.Allow = "POST";
            await Refuse(response, StatusCodes.Status405MethodNotAllowed, "the executor API takes POST only").ConfigureAwait(false);
            return;
        }
        ExecutorTokenClaims? caller = null;
        if (Authentication is { } tokens)
        {
            var (claims, refusal) = Authenticate(tokens, request);
            if (claims is null)
            {
                response.Headers.WWWAuthenticate = $"Bearer realm=\"{Realm}\"";
                await Refuse(response, StatusCodes.Status401Unauthorized, refusal).ConfigureAwait(false);
                return;
            }
            caller = claims;
        }
        if (MediaTypes.OfContent(request.ContentType) is not { } encoding)
        {
            await Refuse(response, StatusCodes.Status415UnsupportedMediaType,
                $"Content-Type must be {MediaTypes.Json} or {MediaTypes.Protobuf}").ConfigureAwait(false);
            return;
        }
        if (!ready())
        {
            await Refuse(response, StatusCodes.Status503ServiceUnavailable, "the agent has not finished recovery (not registered yet)").ConfigureAwait(false);
            return;
        }
        var body = await ReadBodyAsync(request, context.RequestAborted).ConfigureAwait(false);
        if (body is null)
        {
            await Refuse(response, StatusCodes.Status400BadRequest, $"the call is larger than {MaxCallBytes} bytes").ConfigureAwait(false);
            return;
        }
        if (encoding == MessageEncoding.Protobuf && !V1.ExecutorProtobuf.TryCallToJson(body, out body, out var malformed))
        {
            await Refuse(response, StatusCodes.Status400BadRequest, malformed).ConfigureAwait(false);
            return;
        }
        if (ExecutorJson.TryRead(body, time.GetUtcNow(), out var error) is not { } call)
        {
            await Refuse(response, StatusCodes.Status400BadRequest, error).ConfigureAwait(false);
            return;
        }
        if (caller is { } who && who.Executor != call.Executor)
        {
            await Refuse(response, StatusCodes.Status403Forbidden,
                $"the token is not for executor {call.Executor.Executor} of framework {call.Executor.Framework}").ConfigureAwait(false);
            return;
        }
        var stream = MessageEncoding.Json;
        if (call.Body is SubscribeBody)
        {
            if (MediaTypes.Accepted(request.Headers.Accept) is not { } accepted)
            {
                await Refuse(response, StatusCodes.Status406NotAcceptable,
                    $"the event stream is {MediaTypes.Json} or {MediaTypes.Protobuf}: Accept allows neither").ConfigureAwait(false);
                return;
            }
            stream = accepted;
        }
        await CallAsync(context, call.Executor, call.Body, stream, caller?.RunId).ConfigureAwait(false);
    }

    /// <summary>The caller's verified claims, or why there are none (the message never repeats the token).</summary>
    private static (ExecutorTokenClaims? Claims, string Refusal) Authenticate(ExecutorTokens tokens, HttpRequest request)
    {
        const string bearer = "Bearer ";
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
            return (null, $"the executor API needs the executor's token: Authorization: Bearer <{ExecutorTokens.EnvironmentVariable}>");
        return tokens.Verify(header[bearer.Length..].Trim()) is { } claims
            ? (claims, "")
            : (null, "the executor token is not valid on this agent");
    }

    private async Task CallAsync(HttpContext context, ExecutorKey executor, ExecutorCallBody body, MessageEncoding encoding, string? authenticatedRun)
    {
        var id = host.NewCall();
        var events = body is SubscribeBody ? host.OpenStream(id) : null;
        feed(new ExecutorCallReceived(id, executor, body) { AuthenticatedRun = authenticatedRun });
        var answer = host.TakeAnswer(id) ?? (503, "the agent is stopping");
        if (answer.Status != StatusCodes.Status200OK || events is null)
        {
            if (events is not null) host.ForgetStream(id);
            if (answer.Status == StatusCodes.Status202Accepted) context.Response.StatusCode = answer.Status;
            else await Refuse(context.Response, answer.Status, answer.Error).ConfigureAwait(false);
            return;
        }
        try
        {
            await StreamAsync(context, events, encoding).ConfigureAwait(false);
        }
        finally
        {
            host.ForgetStream(id);
            feed(new ExecutorStreamClosed(executor, id));
        }
    }

    /// <summary>Writes events as they come, a HEARTBEAT when the stream has been quiet; ends when the agent closes it or the executor goes.</summary>
    private async Task StreamAsync(HttpContext context, System.Threading.Channels.ChannelReader<ExecutorEventOut> events, MessageEncoding encoding)
    {
        var response = context.Response;
        var token = context.RequestAborted;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = MediaTypes.Of(encoding);
        await response.StartAsync(token).ConfigureAwait(false);
        try
        {
            while (true)
            {
                using var heartbeat = new CancellationTokenSource(HeartbeatInterval, time);
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(token, heartbeat.Token);
                bool more;
                try
                {
                    more = await events.WaitToReadAsync(quiet.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    await WriteAsync(response, ExecutorJson.Heartbeat, encoding, token).ConfigureAwait(false);
                    continue;
                }
                if (!more) return;
                while (events.TryRead(out var next))
                    await WriteAsync(response, ExecutorJson.ToEvent(next), encoding, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // the executor went away
        }
    }

    /// <summary>One event as one RecordIO record, the framing the same for both encodings.</summary>
    private static async Task WriteAsync(HttpResponse response, V1.ExecutorEvent e, MessageEncoding encoding, CancellationToken token)
    {
        var record = encoding == MessageEncoding.Protobuf ? V1.ExecutorProtobuf.ToProtobuf(e) : V1.ExecutorJsonContext.Write(e);
        await response.Body.WriteAsync(RecordIO.Frame(record), token).ConfigureAwait(false);
        await response.Body.FlushAsync(token).ConfigureAwait(false);
    }

    private static Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken token) =>
        Protocol.IO.BoundedRead.ToEndAsync(request.Body, MaxCallBytes, token);

    private static Task Refuse(HttpResponse response, int status, string error)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(error);
    }
}
