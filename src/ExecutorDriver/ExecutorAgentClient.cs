using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Mesos.HA.Protocol.Http;
using Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.ExecutorDriver;

/// <summary>
/// The executor API of one agent over HTTP (<c>POST /api/v1/executor</c>): SUBSCRIBE opens an event
/// stream (RecordIO-framed JSON), every other call is its own request answered 202.
/// Connection failures surface as <see cref="HttpRequestException"/>, <see cref="IOException"/> or a cancellation.
/// </summary>
/// <param name="agentBase">scheme://ip:port of the agent (https when it runs TLS).</param>
internal sealed class ExecutorAgentClient(HttpClient http, string agentBase)
{
    public const string Path = "/api/v1/executor";

    private readonly Uri uri = new(agentBase + Path);

    /// <summary>Subscribes; returns once the stream's first event, SUBSCRIBED, arrived.</summary>
    public async Task<ExecutorEventStream> SubscribeAsync(ExecutorCall subscribe, CancellationToken token)
    {
        using var request = Request(subscribe);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
        try
        {
            if (response.StatusCode != HttpStatusCode.OK)
                throw new AgentCallException(ExecutorCall.SubscribeType, response.StatusCode, await response.Content.ReadAsStringAsync(token).ConfigureAwait(false));
            var records = new RecordIOReader(await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false));
            var stream = new ExecutorEventStream(response, records);
            var first = await stream.ReadAsync(token).ConfigureAwait(false);
            if (first?.Type != ExecutorEvent.SubscribedType)
                throw new InvalidDataException("the executor stream did not start with SUBSCRIBED but " + (first?.Type ?? "its end"));
            stream.Subscribed = first;
            return stream;
        }
        catch
        {
            response.Dispose(); // a refused or malformed opening must not keep its connection
            throw;
        }
    }

    /// <summary>Posts a call; throws <see cref="AgentCallException"/> unless the agent answers 202 Accepted.</summary>
    public async Task PostAsync(ExecutorCall call, CancellationToken token)
    {
        using var request = Request(call);
        using var response = await http.SendAsync(request, token).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Accepted)
            throw new AgentCallException(call.Type ?? "a call", response.StatusCode, await response.Content.ReadAsStringAsync(token).ConfigureAwait(false));
    }

    private HttpRequestMessage Request(ExecutorCall call)
    {
        var content = new ByteArrayContent(ExecutorJsonContext.Write(call));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = Encoding.UTF8.WebName };
        return new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
    }
}
