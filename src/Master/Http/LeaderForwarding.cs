using System.Buffers;
using Mesos.HA.Protocol.Security;
using Mesos.HA.Replication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Master.Http;

/// <summary>
/// <c>--forward-to-leader</c>: a master that does not lead proxies the requests only the leader answers (the
/// scheduler and operator APIs, maintenance, teardown, weights; <see cref="ForwardDecision"/>) to the leader
/// instead of answering 307, as Nomad and etcd servers forward. A client that knows one master, or sits
/// behind a plain load balancer, so keeps working across leader changes.
/// </summary>
/// <remarks>
/// Placed after authentication: a follower refuses a missing credential itself, and passes the credential on
/// for the leader to check again. Bodies stream both ways; a response (a SUBSCRIBE event stream) is flushed
/// chunk by chunk as it arrives. The leader unreachable before answering: 503, which clients retry. The
/// leader's stream broken mid-response: the client's connection is aborted, so its stream ends and it
/// subscribes again (through this master, to whichever master leads then). A forwarded request carries
/// <see cref="ForwardDecision.ForwardedHeader"/> and is never forwarded again. Requests run concurrently;
/// the one <see cref="HttpClient"/> is shared.
/// </remarks>
public sealed partial class LeaderForwarding : IDisposable
{
    /// <summary>Connecting to the leader; there is no overall timeout, as event streams last as long as their subscription.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    private const int CopyBufferBytes = 16 * 1024;

    /// <summary>Request headers passed to the leader (with the body's Content-Type and Content-Length); others are this hop's own.</summary>
    private static readonly string[] RequestHeaders = ["Accept", "Authorization", Scheduler.SchedulerEndpoint.StreamIdHeader, "User-Agent"];

    /// <summary>Response headers of the hop to the leader, not of the answer (RFC 9110 section 7.6.1).</summary>
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
    };

    private readonly MasterOptions options;
    private readonly IRegistryLeadership registry;
    private readonly LeaderShell shell;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly HttpClient client;
    private readonly string self;

    private LeaderForwarding(MasterOptions options, IRegistryLeadership registry, LeaderShell shell, TimeProvider time, ILogger logger)
    {
        this.options = options;
        this.registry = registry;
        this.shell = shell;
        this.time = time;
        this.logger = logger;
        self = $"{options.HttpHost}:{options.HttpPort}";
        client = new HttpClient(Https.Handler(options.Tls, new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = ConnectTimeout,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        }), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Adds the forwarding to <paramref name="app"/>'s pipeline when <see cref="MasterOptions.ForwardToLeader"/> is on; null (nothing added) otherwise.</summary>
    public static LeaderForwarding? Use(WebApplication app, MasterOptions options, IRegistryLeadership registry, LeaderShell shell, TimeProvider time,
        ILoggerFactory loggers)
    {
        if (!options.ForwardToLeader) return null;
        var forwarding = new LeaderForwarding(options, registry, shell, time, loggers.CreateLogger("Mesos.HA.Master.Forwarding"));
        app.Use(forwarding.InvokeAsync);
        LogEnabled(forwarding.logger, Https.SchemeOf(options.Tls));
        return forwarding;
    }

    private async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var decision = Decide(http);
        if (decision.Action == ForwardDecision.Kind.AwaitLeader)
        {
            // During an election: hold the request until a leader is known (as the endpoints do), then decide again.
            await LeaderWait.ResolveAsync(registry, shell, time, http.RequestAborted).ConfigureAwait(false);
            decision = Decide(http);
        }
        if (decision is { Action: ForwardDecision.Kind.Forward, Leader: { } leader })
            await ForwardAsync(http, leader).ConfigureAwait(false);
        else
            await next(http).ConfigureAwait(false);
    }

    private ForwardDecision Decide(HttpContext http) => ForwardDecision.Decide(http.Request.Method, http.Request.Path.Value ?? "/",
        localRead: http.Request.Query["local"] == "true", forwarded: http.Request.Headers.ContainsKey(ForwardDecision.ForwardedHeader),
        leading: registry.IsLeader || shell.Term is not null, registry.Leader);

    private async Task ForwardAsync(HttpContext http, string leader)
    {
        var token = http.RequestAborted;
        var request = http.Request;
        LogForwarding(logger, request.Method, request.Path.Value ?? "", leader);
        using var upstream = new HttpRequestMessage(new HttpMethod(request.Method),
            Https.Url(options.Tls, leader, request.Path.ToUriComponent() + request.QueryString.ToUriComponent()));
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0 || request.ContentType is not null)
        {
            upstream.Content = new StreamContent(request.Body, CopyBufferBytes);
            if (request.ContentType is { } type) upstream.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            if (request.ContentLength is { } length) upstream.Content.Headers.ContentLength = length;
        }
        foreach (var name in RequestHeaders)
            if (request.Headers.TryGetValue(name, out var values))
                upstream.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        upstream.Headers.TryAddWithoutValidation(ForwardDecision.ForwardedHeader, self);

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(upstream, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
        }
        catch (Exception e) when (token.IsCancellationRequested && e is OperationCanceledException or HttpRequestException or IOException)
        {
            return; // the client went away
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            LogLeaderUnreachable(logger, request.Method, request.Path.Value ?? "", leader, e.Message);
            await ApiEncoding.ErrorAsync(http, StatusCodes.Status503ServiceUnavailable,
                $"this master forwards to the leading master at {leader}, which did not answer ({e.Message}); try again").ConfigureAwait(false);
            return;
        }
        using (response)
            await RelayAsync(http, response, leader).ConfigureAwait(false);
    }

    /// <summary>The leader's answer to the client: status, end-to-end headers, then the body chunk by chunk, each flushed as it arrives.</summary>
    private async Task RelayAsync(HttpContext http, HttpResponseMessage response, string leader)
    {
        var token = http.RequestAborted;
        http.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            if (!HopByHop.Contains(name)) http.Response.Headers[name] = values.ToArray();
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferBytes);
        try
        {
            await http.Response.StartAsync(token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                int read;
                while ((read = await body.ReadAsync(buffer, token).ConfigureAwait(false)) > 0)
                {
                    await http.Response.Body.WriteAsync(buffer.AsMemory(0, read), token).ConfigureAwait(false);
                    await http.Response.Body.FlushAsync(token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (token.IsCancellationRequested && e is OperationCanceledException or HttpRequestException or IOException)
        {
            // The client went away; disposing the response closes the leader's stream.
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            // The status has been sent: the only way left to say the answer is incomplete is to end the connection.
            LogStreamBroken(logger, http.Request.Method, http.Request.Path.Value ?? "", leader, e.Message);
            http.Abort();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => client.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Forwarding to the leader is on: a follower proxies the scheduler and operator APIs and the leader's other endpoints to the leader over {Scheme} instead of answering 307")]
    private static partial void LogEnabled(ILogger logger, string scheme);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Forwarding {Method} {Path} to the leader at {Leader}")]
    private static partial void LogForwarding(ILogger logger, string method, string path, string leader);

    [LoggerMessage(Level = LogLevel.Information, Message = "Could not forward {Method} {Path} to the leader at {Leader}: {Error}; answered 503")]
    private static partial void LogLeaderUnreachable(ILogger logger, string method, string path, string leader, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "The leader's answer to {Method} {Path} broke off ({Leader}: {Error}); aborted the client's connection")]
    private static partial void LogStreamBroken(ILogger logger, string method, string path, string leader, string error);
}
