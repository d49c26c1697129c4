using System.Net.Http;
using System.Net.Security;

namespace Mesos.HA.Protocol.Health;

/// <summary>
/// Passes when <c>GET scheme://127.0.0.1:port/path</c> answers a status from 200 to 399. As Mesos's
/// curl-based check: any certificate is accepted (the name is 127.0.0.1, never the certificate's);
/// redirects are not followed (a 3xx already passes); every check opens a new connection, so a
/// server that stopped accepting is not hidden behind a kept-alive one.
/// </summary>
public sealed class HttpProbe : IHealthProbe, IDisposable
{
    private readonly HttpClient client;
    private readonly TimeProvider time;

    public HttpProbe(string scheme, int port, string path, TimeProvider time)
    {
        scheme = string.IsNullOrEmpty(scheme) ? "http" : scheme.ToLowerInvariant();
        if (scheme is not ("http" or "https")) throw new ArgumentException($"an HTTP health check's scheme is http or https, not {scheme}", nameof(scheme));
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        if (string.IsNullOrEmpty(path)) path = "/";
        else if (!path.StartsWith('/')) path = "/" + path;
        Uri = new Uri($"{scheme}://127.0.0.1:{port}{path}");
        this.time = time;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        };
        // The per-check timeout bounds each request; the client's own would only race it.
        client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>What every check gets.</summary>
    public Uri Uri { get; }

    public Task<ProbeResult> CheckAsync(TimeSpan timeout, CancellationToken token) =>
        HealthProbe.BoundedAsync($"HTTP GET {Uri}", timeout, time, token, GetAsync);

    private async Task<ProbeResult> GetAsync(CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Uri);
        request.Headers.ConnectionClose = true;
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var said = $"HTTP GET {Uri} answered {status}";
            return status is >= 200 and < 400 ? ProbeResult.Pass(said) : ProbeResult.Fail(said);
        }
        catch (HttpRequestException e)
        {
            return ProbeResult.Fail($"HTTP GET {Uri} failed: {e.Message}");
        }
    }

    public void Dispose() => client.Dispose();
}
