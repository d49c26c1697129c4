using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Mesos.HA.Protocol.Security;
using Mesos.HA.Replication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Mesos.HA.Master.Operator;

/// <summary>
/// The operator's endpoints: the web page, <c>/master/state</c> (with <c>/master/frameworks</c> and <c>/master/tasks</c>)
/// and <c>/master/overview</c>, what the page
/// reads (the metrics endpoints are <see cref="MasterMetrics"/>).
/// </summary>
/// <remarks>
/// The page is served by whichever master the operator opened, and a browser may not read another
/// origin's JSON (no master sends CORS headers, and none should hand cluster state to any site). So
/// this master gathers what the page shows of the others — the leader's state, every master's
/// <c>/health</c> — and answers it in one document, each peer's answer bounded by <see cref="PeerTimeout"/>.
/// </remarks>
public sealed class OperatorEndpoints(MasterOptions options, ReplicatedRegistry registry, LeaderShell shell, TimeProvider time)
{
    /// <summary>How long the overview waits for another master: a dead one must not stall the page's 2 s refresh.</summary>
    public static readonly TimeSpan PeerTimeout = TimeSpan.FromMilliseconds(800);

    /// <summary>Before asking a member for its HTTP address again after it did not say.</summary>
    private static readonly TimeSpan LookupRetry = TimeSpan.FromSeconds(5);

    /// <summary>The largest state document taken from the leader (a bound, as every read from the network has).</summary>
    private const int MaxPeerBytes = 64 * 1024 * 1024;

    private readonly HttpClient peers = new(Https.Handler(options.Tls, new SocketsHttpHandler { ConnectTimeout = PeerTimeout, AllowAutoRedirect = false }))
    {
        Timeout = PeerTimeout, MaxResponseContentBufferSize = MaxPeerBytes,
    };

    private readonly DateTimeOffset startedAt = time.GetUtcNow();

    /// <summary>The leader's lookups of other members' HTTP addresses (Raft metadata), by Raft endpoint; pruned to the current members.</summary>
    private readonly ConcurrentDictionary<string, Lookup> lookups = new(StringComparer.Ordinal);

    /// <summary>Where the state is read: <c>/master/state</c> and its aliases.</summary>
    public static readonly IReadOnlyList<string> StatePaths = ["/master/state", "/master/state.json", "/state", "/state.json"];

    /// <summary>Mesos' <c>/master/frameworks</c> and its alias.</summary>
    public static readonly IReadOnlyList<string> FrameworksPaths = ["/master/frameworks", "/frameworks"];

    /// <summary>Mesos' <c>/master/tasks</c> and its aliases (<c>?limit=</c>, default 100, and <c>?offset=</c>).</summary>
    public static readonly IReadOnlyList<string> TasksPaths = ["/master/tasks", "/master/tasks.json", "/tasks"];

    /// <summary>Mesos' <c>/master/state-summary</c> and its alias.</summary>
    public static readonly IReadOnlyList<string> SummaryPaths = ["/master/state-summary", "/state-summary"];

    private sealed record Lookup(Task<string?> Answer, long StartedAt);

    public void Map(WebApplication app)
    {
        app.MapGet("/", () => Results.Content(WebPage.Html, "text/html; charset=utf-8"));
        // Block bodies with return: an expression-bodied async lambda taking HttpContext binds to RequestDelegate,
        // and ASP.NET would drop the result (an empty 200).
        // Mesos' names for it: the master's own and the older ones scripts still read.
        foreach (var path in StatePaths)
            app.MapGet(path, async (HttpContext http) =>
            {
                var state = await LocalStateAsync(TimeSpan.Zero, ViewOf(http), http.RequestAborted);
                return Results.Bytes(state, "application/json");
            });
        foreach (var path in FrameworksPaths)
            app.MapGet(path, async (HttpContext http) =>
            {
                var core = await shell.ReadAsync(c => c.View(), http.RequestAborted);
                return Results.Bytes(StateListsJson.Frameworks(registry.LocalRegistry, core, ViewOf(http)), "application/json");
            });
        foreach (var path in TasksPaths)
            app.MapGet(path, async (HttpContext http) =>
            {
                var limit = int.TryParse(http.Request.Query["limit"], out var l) ? l : 100;
                var offset = int.TryParse(http.Request.Query["offset"], out var o) ? o : 0;
                var core = await shell.ReadAsync(c => c.View(), http.RequestAborted);
                return Results.Bytes(StateListsJson.Tasks(registry.LocalRegistry, core, ViewOf(http), limit, offset), "application/json");
            });
        foreach (var path in SummaryPaths)
            app.MapGet(path, async (HttpContext http) =>
            {
                var core = await shell.ReadAsync(c => c.View(), http.RequestAborted);
                return Results.Bytes(StateSummaryJson.Write(options.HttpHost, registry.LocalRegistry, core, ViewOf(http)), "application/json");
            });
        app.MapGet("/master/overview", async (HttpContext http) =>
        {
            var overview = await OverviewAsync(http.Request.Headers.Authorization.ToString(), ViewOf(http), http.RequestAborted);
            return Results.Bytes(overview, "application/json");
        });
    }

    /// <summary>What the request's principal may see of frameworks, tasks and executors; null when the ACLs show everything.</summary>
    private Security.ViewPermissions? ViewOf(HttpContext http) => Security.ViewPermissions.Of(options.Acls, Security.HttpAuthentication.PrincipalOf(http));

    /// <summary>This master's <c>/master/state</c>; waits up to <paramref name="lookupWait"/> for member addresses not learned yet.</summary>
    private async Task<byte[]> LocalStateAsync(TimeSpan lookupWait, Security.ViewPermissions? view, CancellationToken token)
    {
        var core = await shell.ReadAsync(c => c.View(), token);
        var memberHttp = core is null ? null : await MemberHttpAsync(lookupWait, token);
        return StateJson.Write(options, registry, startedAt, shell.ElectedAt, core, memberHttp, view);
    }

    /// <summary>
    /// <c>{"self": this master's /health, "state_from": "host:port", "state": the leader's /master/state (this master's
    /// own when the leader does not answer), "masters": [{raft, http?, leader, voting, status, health? | error?}]}</c>.
    /// </summary>
    /// <param name="authorization">the reader's credentials, presented to the leader in turn: its reads may need them, and it
    /// filters its state for the same principal.</param>
    /// <param name="view">what the reader may see of this master's own state, when the leader's is not had.</param>
    private async Task<byte[]> OverviewAsync(string authorization, Security.ViewPermissions? view, CancellationToken token)
    {
        var self = MasterHost.Status(options, registry);
        byte[]? state = null;
        var stateFrom = self.Http;
        if (!registry.IsLeader && registry.Leader is { HttpAddress.Length: > 0, IsLocal: false } leader
            && await TryGetAsync(leader.HttpAddress, "/master/state", token, authorization) is { } fetched)
            (state, stateFrom) = (fetched, leader.HttpAddress);
        state ??= await LocalStateAsync(PeerTimeout, view, token);

        using var parsed = JsonDocument.Parse(state);
        var masters = parsed.RootElement.TryGetProperty("masters", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().ToArray() : [];
        var healths = await Task.WhenAll(masters.Select(m => HealthAsync(m, self, token)));

        var buffer = new ArrayBufferWriter<byte>(state.Length + 4096);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WritePropertyName("self");
            JsonSerializer.Serialize(json, self, MasterJsonContext.Default.StatusDto);
            json.WriteString("state_from", stateFrom);
            json.WriteStartArray("masters");
            for (var i = 0; i < masters.Length; i++)
            {
                json.WriteStartObject();
                foreach (var field in masters[i].EnumerateObject()) field.WriteTo(json);
                if (healths[i].Health is { } health)
                {
                    json.WritePropertyName("health");
                    JsonSerializer.Serialize(json, health, MasterJsonContext.Default.StatusDto);
                }
                else
                {
                    json.WriteString("error", healths[i].Error);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WritePropertyName("state");
            parsed.RootElement.WriteTo(json);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One master's <c>/health</c>: this master's without a request, another's over HTTP within <see cref="PeerTimeout"/>.</summary>
    private async Task<(StatusDto? Health, string Error)> HealthAsync(JsonElement master, StatusDto self, CancellationToken token)
    {
        var raft = master.TryGetProperty("raft", out var r) ? r.GetString() : null;
        if (raft == self.Raft) return (self, "");
        if (!master.TryGetProperty("http", out var h) || h.GetString() is not { Length: > 0 } http) return (null, "HTTP address not known yet");
        if (await TryGetAsync(http, "/health", token) is not { } body) return (null, $"{http} did not answer within {PeerTimeout.TotalMilliseconds} ms");
        try
        {
            return (JsonSerializer.Deserialize(body, MasterJsonContext.Default.StatusDto), "");
        }
        catch (JsonException e)
        {
            return (null, $"{http} answered something else than its health: {e.Message}");
        }
    }

    /// <summary>The body of a 200 answer from another master, or null when it does not give one in time.</summary>
    private async Task<byte[]?> TryGetAsync(string address, string path, CancellationToken token, string authorization = "")
    {
        using var timeout = new CancellationTokenSource(PeerTimeout, time);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Https.Url(options.Tls, address, path));
            if (authorization.Length > 0) request.Headers.TryAddWithoutValidation("Authorization", authorization);
            using var response = await peers.SendAsync(request, bounded.Token);
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsByteArrayAsync(bounded.Token) : null;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException && !token.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// The other members' HTTP addresses this leader has learned (each member announces its own in its Raft
    /// metadata). A member not learned yet is asked in the background, at most every <see cref="LookupRetry"/>;
    /// the caller waits up to <paramref name="wait"/> for those answers.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, string>> MemberHttpAsync(TimeSpan wait, CancellationToken token)
    {
        var members = registry.Members.Where(m => !m.IsLocal).Select(m => m.RaftEndPoint).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in lookups.Keys.Where(k => !members.Contains(k))) lookups.TryRemove(gone, out _);
        var now = time.GetTimestamp();
        foreach (var raft in members.Where(m => IPEndPoint.TryParse(m, out _)))
        {
            lookups.AddOrUpdate(raft, _ => Start(raft, now), (_, old) =>
                old.Answer.IsCompleted && old.Answer is not { IsCompletedSuccessfully: true, Result.Length: > 0 } && time.GetElapsedTime(old.StartedAt, now) >= LookupRetry ? Start(raft, now) : old);
        }
        var pending = lookups.Values.Select(l => l.Answer).Where(a => !a.IsCompleted).ToArray();
        if (pending.Length > 0 && wait > TimeSpan.Zero)
            await Task.WhenAny(Task.WhenAll(pending), Task.Delay(wait, time, token));
        return lookups.Where(l => l.Value.Answer.IsCompletedSuccessfully && l.Value.Answer.Result is { Length: > 0 })
            .ToDictionary(l => l.Key, l => l.Value.Answer.Result!, StringComparer.Ordinal);
    }

    private Lookup Start(string raft, long now) => new(AskHttpAddressAsync(raft), now);

    private async Task<string?> AskHttpAddressAsync(string raft)
    {
        try
        {
            return await registry.HttpAddressOfMemberAsync(IPEndPoint.Parse(raft), PeerTimeout);
        }
        catch (NotLeaderException)
        {
            return null; // stopped leading meanwhile: the next leader learns the addresses itself
        }
    }
}
