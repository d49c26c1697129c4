using System.Net.Http.Headers;
using Mesos.HA.Agent.Core;
using Mesos.HA.Protocol.Http;
using Microsoft.AspNetCore.Http;
using V1 = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.Agent.Executors;

/// <summary>
/// <c>POST /api/v1/executor</c>: SUBSCRIBE answers 200 with a RecordIO stream of JSON events, other
/// calls 202. 400 malformed or unknown framework/executor/task, 403 a call before SUBSCRIBE, 405 not
/// a POST, 406 a stream the client cannot accept, 415 not JSON, 503 before the agent is registered.
/// </summary>
public sealed class ExecutorEndpoint(ExecutorHost host, Func<bool> ready, Action<AgentInput> feed, TimeProvider time)
{
    public const string Path = "/api/v1/executor";
    private const int MaxCallBytes = 1 << 20;

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
        if (!IsJson(request.ContentType))
        {
            await Refuse(response, StatusCodes.Status415UnsupportedMediaType, "Content-Type must be application/json").ConfigureAwait(false);
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
        if (ExecutorJson.TryRead(body, time.GetUtcNow(), out var error) is not { } call)
        {
            await Refuse(response, StatusCodes.Status400BadRequest, error).ConfigureAwait(false);
            return;
        }
        if (call.Body is SubscribeBody && !AcceptsJson(request.Headers.Accept))
        {
            await Refuse(response, StatusCodes.Status406NotAcceptable, "the event stream is application/json only").ConfigureAwait(false);
            return;
        }
        await CallAsync(context, call.Executor, call.Body).ConfigureAwait(false);
    }

    private async Task CallAsync(HttpContext context, ExecutorKey executor, ExecutorCallBody body)
    {
        var id = host.NewCall();
        var events = body is SubscribeBody ? host.OpenStream(id) : null;
        feed(new ExecutorCallReceived(id, executor, body));
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
            await StreamAsync(context, events).ConfigureAwait(false);
        }
        finally
        {
            host.ForgetStream(id);
            feed(new ExecutorStreamClosed(executor, id));
        }
    }

    /// <summary>Writes events as they come, a HEARTBEAT when the stream has been quiet; ends when the agent closes it or the executor goes.</summary>
    private async Task StreamAsync(HttpContext context, System.Threading.Channels.ChannelReader<ExecutorEventOut> events)
    {
        var response = context.Response;
        var token = context.RequestAborted;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
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
                    await WriteAsync(response, ExecutorJson.Heartbeat, token).ConfigureAwait(false);
                    continue;
                }
                if (!more) return;
                while (events.TryRead(out var next))
                    await WriteAsync(response, ExecutorJson.ToEvent(next), token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // the executor went away
        }
    }

    private static async Task WriteAsync(HttpResponse response, V1.ExecutorEvent e, CancellationToken token)
    {
        await response.Body.WriteAsync(RecordIO.Frame(V1.ExecutorJsonContext.Write(e)), token).ConfigureAwait(false);
        await response.Body.FlushAsync(token).ConfigureAwait(false);
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken token)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, token).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxCallBytes) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed) && string.Equals(parsed.MediaType, "application/json", StringComparison.OrdinalIgnoreCase);

    private static bool AcceptsJson(Microsoft.Extensions.Primitives.StringValues accept)
    {
        if (accept.Count == 0) return true;
        foreach (var value in accept)
            foreach (var part in (value ?? "").Split(','))
                if (MediaTypeWithQualityHeaderValue.TryParse(part.Trim(), out var type)
                    && type.MediaType is "application/json" or "*/*" or "application/*")
                    return true;
        return false;
    }

    private static Task Refuse(HttpResponse response, int status, string error)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(error);
    }
}
