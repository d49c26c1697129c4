using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Security;
using System.Text.Json.Nodes;

namespace Mesos.HA.Cli.Operator;

/// <summary>Reads a running cluster's state from its leader, through whichever master answers first.</summary>
internal static class OperatorClient
{
    private static HttpClient Http = Client(null);

    private static HttpClient Client(Protocol.Security.TlsIdentity? tls) =>
        new(Https.Handler(tls, new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(2) }))
        {
            Timeout = TimeSpan.FromSeconds(10),
        };

    /// <summary>
    /// The masters to ask: --masters (or MESOS_HA_MASTERS), else 127.0.0.1:5050. Also reads the verb's
    /// <c>--credential</c> (every request of this process to a master then carries it, HTTP Basic) and its
    /// <c>--tls-*</c> (the masters are then spoken to over HTTPS, checked against <c>--tls-ca</c>).
    /// </summary>
    public static IReadOnlyList<string> Masters(ArgReader args)
    {
        Credential = SecurityFlags.One(args);
        if (SecurityFlags.ClientTls(args) is { } tls)
        {
            Tls = tls;
            Http = Client(tls);
        }
        if (Credential is not null && !Http.DefaultRequestHeaders.Contains("Authorization"))
            Http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", Credential.BasicHeader());
        return (args.Optional("masters") ?? "127.0.0.1:5050").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>The credential the verb was given (<c>--credential</c>), for the clients it makes itself (the driver).</summary>
    public static Protocol.Security.Credential? Credential { get; private set; }

    /// <summary>The verb's TLS material (<c>--tls-ca</c>, and <c>--tls-cert</c>/<c>--tls-key</c> for masters that ask for client certificates); null: plain HTTP.</summary>
    public static Protocol.Security.TlsIdentity? Tls { get; private set; }

    /// <summary><c>http(s)://host:port/path</c>, as this process speaks to masters and agents.</summary>
    public static string Url(string address, string path) => Https.Url(Tls, address, path);

    /// <summary>/master/state of the leader (a follower's answer names it); throws a one-line error when nobody answers.</summary>
    public static async Task<JsonObject> LeaderStateAsync(IReadOnlyList<string> masters, CancellationToken token)
    {
        var errors = new List<string>();
        foreach (var master in masters)
        {
            try
            {
                var state = await GetStateAsync(master, token);
                if (state["role"]?.GetValue<string>() == "leader") return state;
                if (state["leader_info"] is JsonObject leader)
                    return await GetStateAsync($"{leader["hostname"]}:{leader["port"]}", token);
                errors.Add($"{master}: no leader known");
            }
            catch (Exception e) when (NoAnswer.OrUnreadable(e) || e is InvalidOperationException)
            {
                errors.Add($"{master}: {e.Message}");
            }
        }
        throw new UsageException($"no leading master answered ({string.Join("; ", errors)})");
    }

    /// <summary>
    /// Sends a leader-only request through the masters in turn, following a follower's 307 to the
    /// leader (a few hops at most). Returns the first answer that is neither a redirect nor 503; throws
    /// a one-line error when no master leads or answers. A <paramref name="jsonBody"/> goes with every hop.
    /// </summary>
    public static async Task<(int Status, string Body)> SendToLeaderAsync(IReadOnlyList<string> masters, HttpMethod method,
        string pathAndQuery, CancellationToken token, string? jsonBody = null)
    {
        var errors = new List<string>();
        foreach (var master in masters)
        {
            var target = Url(master, pathAndQuery);
            try
            {
                for (var hop = 0; hop < 3; hop++)
                {
                    using var request = new HttpRequestMessage(method, target);
                    if (jsonBody is not null) request.Content = new StringContent(jsonBody, System.Text.Encoding.UTF8, "application/json");
                    using var response = await Http.SendAsync(request, token);
                    var body = await response.Content.ReadAsStringAsync(token);
                    var status = (int)response.StatusCode;
                    if (status is 307 or 308 && response.Headers.Location is { } location)
                    {
                        target = location.IsAbsoluteUri ? location.ToString() : Https.SchemeOf(Tls) + ":" + location.OriginalString;
                        continue;
                    }
                    if (status == 503) { errors.Add($"{master}: no leader known"); break; }
                    return (status, body);
                }
            }
            catch (Exception e) when (NoAnswer.Is(e))
            {
                errors.Add($"{master}: {e.Message}");
            }
        }
        throw new UsageException($"no leading master answered ({string.Join("; ", errors)})");
    }

    /// <summary>A master's <c>/health</c>, or null when it does not answer.</summary>
    public static async Task<JsonObject?> TryHealthAsync(string master, CancellationToken token)
    {
        try
        {
            using var response = await Http.GetAsync(Url(master, "/health"), token);
            return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync(token)) as JsonObject : null;
        }
        catch (Exception e) when (NoAnswer.OrUnreadable(e))
        {
            return null;
        }
    }

    private static async Task<JsonObject> GetStateAsync(string master, CancellationToken token)
    {
        using var response = await Http.GetAsync(Url(master, "/master/state"), token);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(token)) as JsonObject
            ?? throw new InvalidOperationException("the state is not a JSON object");
    }
}
