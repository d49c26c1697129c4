using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Mesos.HA.Protocol.Http;

namespace Mesos.HA.SchedulerDriver;

/// <summary>The master refused a call (or a subscription) with this status and message.</summary>
public sealed class SchedulerCallException(HttpStatusCode status, string message)
    : Exception($"HTTP {(int)status}: {message}")
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>The master answered the subscription with an ERROR event (an unacceptable FrameworkInfo): retrying will not help.</summary>
public sealed class SubscriptionRefusedException(string message) : Exception(message);

/// <summary>
/// One subscription to the Mesos v1 scheduler API: the SUBSCRIBE request's event stream (read as
/// RecordIO into <see cref="Events"/>) and the calls made with its <c>Mesos-Stream-Id</c> to the same
/// master. It follows 307 redirects to the leader when subscribing. When the stream ends (the master
/// died, stepped down, or replaced the subscription) <see cref="Events"/> completes; re-subscribing
/// with the framework id is the caller's move (the driver does it with a retry pipeline).
/// </summary>
public sealed class SchedulerConnection : IAsyncDisposable
{
    public const string Path = "/api/v1/scheduler";
    private const int MaxRedirects = 4;

    private readonly HttpClient http;
    private readonly HttpResponseMessage response;
    private readonly Channel<JsonObject> events = Channel.CreateUnbounded<JsonObject>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource closed = new();
    private readonly Task reader;

    private SchedulerConnection(HttpClient http, HttpResponseMessage response, string master, string streamId, RecordIOReader records, JsonObject subscribed)
    {
        this.http = http;
        this.response = response;
        Master = master;
        StreamId = streamId;
        FrameworkId = subscribed["subscribed"]?["framework_id"]?["value"]?.GetValue<string>()
            ?? throw new InvalidDataException("SUBSCRIBED carries no framework_id");
        HeartbeatInterval = TimeSpan.FromSeconds(subscribed["subscribed"]?["heartbeat_interval_seconds"]?.GetValue<double>() ?? 15);
        reader = Task.Run(() => ReadAsync(records)); // the same reader: it may already hold the records after SUBSCRIBED
    }

    /// <summary>The master (host:port) this subscription lives on: the leader when it subscribed.</summary>
    public string Master { get; }

    public string StreamId { get; }

    public string FrameworkId { get; }

    public TimeSpan HeartbeatInterval { get; }

    /// <summary>Events after SUBSCRIBED, in order; completes when the stream ends.</summary>
    public ChannelReader<JsonObject> Events => events.Reader;

    /// <summary>
    /// Subscribes through <paramref name="master"/>, following redirects to the leader. The
    /// <c>framework_info</c> carries <c>id</c> to re-subscribe as an existing framework.
    /// </summary>
    public static async Task<SchedulerConnection> SubscribeAsync(HttpClient http, string master, JsonObject frameworkInfo, CancellationToken token)
    {
        var call = new JsonObject
        {
            ["type"] = "SUBSCRIBE",
            ["subscribe"] = new JsonObject { ["framework_info"] = frameworkInfo.DeepClone() },
        };
        if (frameworkInfo["id"] is JsonObject id) call["framework_id"] = id.DeepClone();
        var body = call.ToJsonString();
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{master}{Path}")
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.TemporaryRedirect && hop < MaxRedirects && response.Headers.Location is { } location)
            {
                response.Dispose();
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
                return await OpenStreamAsync(http, response, master, token).ConfigureAwait(false);
            }
            catch
            {
                response.Dispose(); // a refused, malformed or timed-out opening must not keep its connection
                throw;
            }
        }
    }

    private static async Task<SchedulerConnection> OpenStreamAsync(HttpClient http, HttpResponseMessage response, string master, CancellationToken token)
    {
        var streamId = response.Headers.TryGetValues("Mesos-Stream-Id", out var ids) ? ids.First() : "";
        var stream = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
        var records = new RecordIOReader(stream);
        var first = await records.ReadAsync(token).ConfigureAwait(false);
        var opening = first is null ? null : JsonNode.Parse(first) as JsonObject;
        if (opening?["type"]?.GetValue<string>() == "ERROR")
            throw new SubscriptionRefusedException(opening["error"]?["message"]?.GetValue<string>() ?? "refused");
        if (opening is not { } subscribed || subscribed["type"]?.GetValue<string>() != "SUBSCRIBED")
            throw new InvalidDataException("the stream did not start with SUBSCRIBED: " + (first is null ? "(closed)" : Encoding.UTF8.GetString(first)));
        return new SchedulerConnection(http, response, master, streamId, records, subscribed);
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
    public async Task CallAsync(JsonObject call, CancellationToken token)
    {
        call["framework_id"] = new JsonObject { ["value"] = FrameworkId };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{Master}{Path}")
        {
            Content = new StringContent(call.ToJsonString(), Encoding.UTF8, "application/json"),
        };
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
                if (JsonNode.Parse(record) is JsonObject e) events.Writer.TryWrite(e);
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

    public async ValueTask DisposeAsync()
    {
        try { await closed.CancelAsync().ConfigureAwait(false); } catch (ObjectDisposedException) { }
        response.Dispose();
        await reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        closed.Dispose();
    }
}
