using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Channels;
using Mesos.HA.Protocol.Http;
using V1 = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.SchedulerDriver;

/// <summary>The master refused a call (or a subscription) with this status and message.</summary>
public sealed class SchedulerCallException(HttpStatusCode status, string message, string? leader = null)
    : Exception($"HTTP {(int)status}: {message}")
{
    public HttpStatusCode Status { get; } = status;

    /// <summary>The leader a 307 names (host:port), when the redirect was not followed.</summary>
    public string? Leader { get; } = leader;
}

/// <summary>The master answered the subscription with an ERROR event (an unacceptable FrameworkInfo): retrying will not help.</summary>
public sealed class SubscriptionRefusedException(string message) : Exception(message);

/// <summary>
/// One subscription to the Mesos v1 scheduler API: the SUBSCRIBE request's event stream (read as
/// RecordIO into <see cref="Events"/>) and the calls made with its <c>Mesos-Stream-Id</c> to the same
/// master. It follows 307 redirects to the leader when subscribing. When the stream ends (the master
/// died, stepped down, or replaced the subscription) <see cref="Events"/> completes; re-subscribing
/// with the framework id is the caller's move (the driver's core decides when and where).
/// </summary>
public sealed class SchedulerConnection : IAsyncDisposable
{
    public const string Path = "/api/v1/scheduler";
    private const int MaxRedirects = 4;

    private readonly HttpClient http;
    private readonly HttpResponseMessage response;
    private readonly Channel<V1.Event> events = Channel.CreateUnbounded<V1.Event>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource closed = new();
    private readonly Task reader;

    private readonly string scheme;

    private SchedulerConnection(HttpClient http, HttpResponseMessage response, string master, string streamId, RecordIOReader records,
        V1.SubscribedEvent subscribed, string scheme)
    {
        this.http = http;
        this.scheme = scheme;
        this.response = response;
        Master = master;
        StreamId = streamId;
        FrameworkId = subscribed.FrameworkId?.Value ?? throw new InvalidDataException("SUBSCRIBED carries no framework_id");
        HeartbeatInterval = TimeSpan.FromSeconds(subscribed.HeartbeatIntervalSeconds is { } seconds && double.IsFinite(seconds) && seconds >= 0 ? seconds : 15);
        reader = Task.Run(() => ReadAsync(records)); // the same reader: it may already hold the records after SUBSCRIBED
    }

    /// <summary>The master (host:port) this subscription lives on: the leader when it subscribed.</summary>
    public string Master { get; }

    public string StreamId { get; }

    public string FrameworkId { get; }

    public TimeSpan HeartbeatInterval { get; }

    /// <summary>Events after SUBSCRIBED, in order; completes when the stream ends.</summary>
    public ChannelReader<V1.Event> Events => events.Reader;

    /// <summary>
    /// Subscribes through <paramref name="master"/>, following redirects to the leader. The
    /// <c>framework_info</c> carries <c>id</c> to re-subscribe as an existing framework. A 307 beyond
    /// <paramref name="maxRedirects"/> throws <see cref="SchedulerCallException"/> naming the leader. <paramref name="scheme"/>
    /// is https for masters on TLS (<paramref name="http"/> configured for them).
    /// </summary>
    public static async Task<SchedulerConnection> SubscribeAsync(HttpClient http, string master, V1.FrameworkInfo frameworkInfo, CancellationToken token,
        int maxRedirects = MaxRedirects, string scheme = "http")
    {
        var body = SubscribeBody(frameworkInfo);
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{scheme}://{master}{Path}")
            {
                Content = JsonContent(body),
            };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.TemporaryRedirect && response.Headers.Location is { } location)
            {
                response.Dispose();
                if (hop >= maxRedirects) throw new SchedulerCallException(response.StatusCode, $"{master} is not the leader", LeaderOf(location));
                master = LeaderOf(location);
                continue;
            }
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var message = await response.Content.ReadAsStringAsync(token).ConfigureAwait(false);
                response.Dispose();
                throw new SchedulerCallException(response.StatusCode, message);
            }
            try
            {
                return await OpenStreamAsync(http, response, master, scheme, token).ConfigureAwait(false);
            }
            catch
            {
                response.Dispose(); // a refused, malformed or timed-out opening must not keep its connection
                throw;
            }
        }
    }

    private static async Task<SchedulerConnection> OpenStreamAsync(HttpClient http, HttpResponseMessage response, string master, string scheme,
        CancellationToken token)
    {
        var streamId = response.Headers.TryGetValues("Mesos-Stream-Id", out var ids) ? ids.First() : "";
        var stream = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
        var records = new RecordIOReader(stream);
        var first = await records.ReadAsync(token).ConfigureAwait(false);
        var opening = first is null ? null : V1.TolerantJson.Read(first, V1.SchedulerJsonContext.Default.Event);
        if (opening?.Type == V1.Event.ErrorType)
            throw new SubscriptionRefusedException(opening.Error?.Message ?? "refused");
        if (opening is not { Type: V1.Event.SubscribedType, Subscribed: { } subscribed })
            throw new InvalidDataException("the stream did not start with SUBSCRIBED: " + (first is null ? "(closed)" : Encoding.UTF8.GetString(first)));
        return new SchedulerConnection(http, response, master, streamId, records, subscribed, scheme);
    }

    /// <summary>A 307's <c>Location</c> (<c>//host:port/api/v1/scheduler</c>) as host:port.</summary>
    public static string LeaderOf(Uri location)
    {
        var text = location.OriginalString;
        if (text.StartsWith("//", StringComparison.Ordinal)) text = "http:" + text;
        var uri = new Uri(text);
        return $"{uri.Host}:{uri.Port}";
    }

    /// <summary>Makes a call on this subscription; throws <see cref="SchedulerCallException"/> unless the master answers 202.</summary>
    public async Task CallAsync(V1.Call call, CancellationToken token)
    {
        var body = CallBody(call, FrameworkId);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{scheme}://{Master}{Path}") { Content = JsonContent(body) };
        request.Headers.Add("Mesos-Stream-Id", StreamId);
        using var answer = await http.SendAsync(request, token).ConfigureAwait(false);
        if (answer.StatusCode != HttpStatusCode.Accepted)
            throw new SchedulerCallException(answer.StatusCode, await answer.Content.ReadAsStringAsync(token).ConfigureAwait(false));
    }

    private async Task ReadAsync(RecordIOReader records)
    {
        try
        {
            while (await records.ReadAsync(closed.Token).ConfigureAwait(false) is { } record)
                if (V1.TolerantJson.Read(record, V1.SchedulerJsonContext.Default.Event) is { } e) events.Writer.TryWrite(e);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidDataException or HttpRequestException
                                      or System.Text.Json.JsonException or ObjectDisposedException)
        {
            // The stream is over; the reader of Events sees it complete.
        }
        finally
        {
            events.Writer.TryComplete();
        }
    }

    /// <summary>The SUBSCRIBE call as sent: <c>framework_id</c> is the <c>framework_info</c>'s id, if any.</summary>
    internal static byte[] SubscribeBody(V1.FrameworkInfo frameworkInfo) => V1.SchedulerJsonContext.Write(new V1.Call
    {
        Type = V1.Call.SubscribeType,
        Subscribe = new() { FrameworkInfo = frameworkInfo },
        FrameworkId = frameworkInfo.Id,
    });

    /// <summary>A call as sent on a subscription: with the subscribed framework's id.</summary>
    internal static byte[] CallBody(V1.Call call, string frameworkId) => V1.SchedulerJsonContext.Write(call with { FrameworkId = V1.Id.Of(frameworkId) });

    private static ByteArrayContent JsonContent(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    public async ValueTask DisposeAsync()
    {
        try { await closed.CancelAsync().ConfigureAwait(false); } catch (ObjectDisposedException) { }
        response.Dispose();
        await reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        closed.Dispose();
    }
}
