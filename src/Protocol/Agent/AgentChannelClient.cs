using System.Net;
using System.Net.Http.Headers;

namespace Mesos.HA.Protocol.Agent;

/// <summary>A master refused the agent channel or could not be reached.</summary>
public sealed class AgentChannelRefusedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Opens the agent channel: an HTTP/1.1 request to the master upgraded to the frame protocol.</summary>
public static class AgentChannelClient
{
    public static async Task<Stream> OpenAsync(HttpMessageInvoker http, string master, CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{master}{FrameCodec.ChannelPath}");
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new ProductHeaderValue(FrameCodec.UpgradeProtocol, FrameCodec.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, token).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new AgentChannelRefusedException($"{master}: {e.Message}", e);
        }
        if (response.StatusCode != HttpStatusCode.SwitchingProtocols)
        {
            response.Dispose();
            throw new AgentChannelRefusedException($"{master} refused the agent channel: HTTP {(int)response.StatusCode}");
        }
        return await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
    }
}
