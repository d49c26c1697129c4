using System.Net;
using System.Runtime.CompilerServices;
using Mesos.HA.SchedulerDriver.Core;

namespace Mesos.HA.SchedulerDriver;

/// <summary>The driver's transport over the v1 HTTP API (<see cref="SchedulerConnection"/>): one request per attempt, 307s handed back.</summary>
/// <param name="scheme">http, or https for masters on TLS (the client then configured for it).</param>
public sealed class HttpSchedulerTransport(HttpClient http, FrameworkInfo framework, string scheme = "http") : ISchedulerTransport
{
    public async Task<SubscribeOutcome> SubscribeAsync(string master, string? frameworkId, CancellationToken token)
    {
        try
        {
            var connection = await SchedulerConnection.SubscribeAsync(http, master, SchedulerJson.Info(framework, frameworkId), token, maxRedirects: 0, scheme)
                .ConfigureAwait(false);
            return new SubscribeOutcome.Subscribed(new Subscription(connection));
        }
        catch (SchedulerCallException e) when (e.Status == HttpStatusCode.TemporaryRedirect)
        {
            return new SubscribeOutcome.Redirected(e.Leader);
        }
        catch (Exception e) when (e is SubscriptionRefusedException
                                      or SchedulerCallException { Status: HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest })
        {
            return new SubscribeOutcome.Refused(e.Message);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException or TimeoutException
                                      or System.Text.Json.JsonException or SchedulerCallException
                                      || (e is OperationCanceledException && !token.IsCancellationRequested))
        {
            return new SubscribeOutcome.Failed(e.Message);
        }
    }

    private sealed class Subscription(SchedulerConnection connection) : ISchedulerSubscription
    {
        public string Master => connection.Master;
        public string StreamId => connection.StreamId;
        public string FrameworkId => connection.FrameworkId;
        public TimeSpan HeartbeatInterval => connection.HeartbeatInterval;

        public async IAsyncEnumerable<DriverEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken token)
        {
            await foreach (var e in connection.Events.ReadAllAsync(token).ConfigureAwait(false))
            {
                DriverEvent read;
                try
                {
                    read = SchedulerJson.ReadEvent(e);
                }
                catch (Exception error) when (error is InvalidDataException or FormatException)
                {
                    yield break; // a malformed event: the stream is taken for broken, and the driver subscribes again
                }
                yield return read;
            }
        }

        public Task CallAsync(DriverCall call, CancellationToken token) => connection.CallAsync(SchedulerJson.Call(call), token);

        public ValueTask DisposeAsync() => connection.DisposeAsync();
    }
}
