using System.Net;
using System.Net.Http.Headers;

namespace Mesos.HA.Protocol.Agent;

/// <summary>A master refused the agent channel or could not be reached.</summary>
public sealed class AgentChannelRefusedException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The master authenticates agents and did not accept this one's credential (HTTP 401): retrying the same will not help.</summary>
    public bool Unauthorized { get; init; }
}

/// <summary>Opens the agent channel: an HTTP/1.1 request to the master upgraded to the frame protocol.</summary>
public static class AgentChannelClient
{
    /// <param name="credential">Presented with HTTP Basic authentication to masters that authenticate agents.</param>
    /// <param name="scheme">https for masters on TLS (<paramref name="http"/> configured for them).</param>
    public static async Task<Stream> OpenAsync(HttpMessageInvoker http, string master, CancellationToken token,
        Security.Credential? credential = null, string scheme = "http")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{scheme}://{master}{FrameCodec.ChannelPath}");
        if (credential is not null) request.Headers.TryAddWithoutValidation("Authorization", credential.BasicHeader());
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
            var unauthorized = response.StatusCode == HttpStatusCode.Unauthorized;
            throw new AgentChannelRefusedException(unauthorized
                ? $"{master} refused the agent channel: HTTP 401, {(credential is null ? "it authenticates agents (give --credential)" : $"principal '{credential.Principal}' was not accepted")}"
                : $"{master} refused the agent channel: HTTP {(int)response.StatusCode}") { Unauthorized = unauthorized };
        }
        return await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
    }
}
