using Mesos.HA.Master.Agents;
using Mesos.HA.Master.Scheduler;
using Mesos.HA.Protocol.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Master.Security;

/// <summary>The HTTP surfaces authenticated separately, as Mesos' flags name them.</summary>
public enum Realm
{
    /// <summary>Never authenticated: <c>/health</c>, <c>/master/redirect</c>, the web page's HTML.</summary>
    Open,

    /// <summary>The scheduler API (<c>--authenticate-http-frameworks</c>).</summary>
    Frameworks,

    /// <summary>Reads: state, metrics, maintenance status (<c>--authenticate-http-readonly</c>).</summary>
    ReadOnly,

    /// <summary>The operator API and every write (<c>--authenticate-http-readwrite</c>).</summary>
    ReadWrite,

    /// <summary>The agent channel (<c>--authenticate-agents</c>).</summary>
    Agents,
}

/// <summary>Which realms need HTTP Basic credentials, and the credentials they accept (the master's <c>--credentials</c>).</summary>
public sealed record HttpAuthenticationOptions
{
    public IReadOnlyDictionary<string, Credential> Credentials { get; init; } = new Dictionary<string, Credential>();
    public bool Frameworks { get; init; }
    public bool ReadOnly { get; init; }
    public bool ReadWrite { get; init; }
    public bool Agents { get; init; }

    public bool Requires(Realm realm) => realm switch
    {
        Realm.Frameworks => Frameworks,
        Realm.ReadOnly => ReadOnly,
        Realm.ReadWrite => ReadWrite,
        Realm.Agents => Agents,
        _ => false,
    };

    public bool Any => Frameworks || ReadOnly || ReadWrite || Agents;
}

/// <summary>
/// HTTP Basic authentication in front of every master endpoint, per realm. A request to a realm that
/// requires it without credentials, with an unknown principal or a wrong secret is answered 401 with
/// <c>WWW-Authenticate: Basic realm="..."</c> and goes no further; the principal of an authenticated one is
/// kept for the endpoint (<see cref="PrincipalOf"/>). Secrets are never logged nor echoed.
/// </summary>
public static partial class HttpAuthentication
{
    private const string PrincipalKey = "mesos-ha.principal";

    /// <summary>The realm names Mesos uses, so clients' configured realms keep working.</summary>
    public static string NameOf(Realm realm) => realm switch
    {
        Realm.Frameworks => "mesos-master-scheduler",
        Realm.ReadOnly => "mesos-master-readonly",
        Realm.ReadWrite => "mesos-master-readwrite",
        Realm.Agents => "mesos-master-agent",
        _ => "",
    };

    /// <summary>Where a request belongs: reads (GET, HEAD) of state are read-only, every other method and the operator API read-write.</summary>
    public static Realm RealmOf(string method, PathString path)
    {
        var value = path.Value ?? "/";
        if (value is "/" or "/health" or "/master/redirect" or Dns.DnsViewSource.TasksPath) return Realm.Open;
        if (path.StartsWithSegments(SchedulerEndpoint.Path)) return Realm.Frameworks;
        if (path.StartsWithSegments(AgentChannel.Path)) return Realm.Agents;
        if (path.StartsWithSegments(Operator.V1.OperatorApi.Path)) return Realm.ReadWrite;
        return HttpMethods.IsGet(method) || HttpMethods.IsHead(method) ? Realm.ReadOnly : Realm.ReadWrite;
    }

    /// <summary>The authenticated principal of the request; null when its realm needs none (or it gave none).</summary>
    public static string? PrincipalOf(HttpContext http) => http.Items.TryGetValue(PrincipalKey, out var principal) ? principal as string : null;

    public static void Use(WebApplication app, HttpAuthenticationOptions options, Acls acls, ILogger logger)
    {
        if (!options.Any && ReferenceEquals(acls, Acls.AllowAll)) return;
        app.Use(async (http, next) =>
        {
            var realm = RealmOf(http.Request.Method, http.Request.Path);
            var presented = Credentials.FromBasicHeader(http.Request.Headers.Authorization);
            var known = presented is not null && options.Credentials.TryGetValue(presented.Principal, out var credential)
                        && Credentials.SecretMatches(credential, presented.Secret);
            if (known) http.Items[PrincipalKey] = presented!.Principal;
            if (!options.Requires(realm) || known)
            {
                if (ForbiddenBy(acls, realm, http, known ? presented!.Principal : null) is { } refusal)
                {
                    LogForbidden(logger, http.Request.Method, http.Request.Path.Value ?? "", known ? presented!.Principal : "(none)", refusal);
                    http.Response.StatusCode = StatusCodes.Status403Forbidden;
                    http.Response.ContentType = "text/plain; charset=utf-8";
                    await http.Response.WriteAsync($"not authorized: {refusal}", http.RequestAborted).ConfigureAwait(false);
                    return;
                }
                await next(http).ConfigureAwait(false);
                return;
            }
            // The same answer for a missing credential, an unknown principal and a wrong secret.
            LogRefused(logger, http.Request.Method, http.Request.Path.Value ?? "", presented?.Principal ?? "(none)", NameOf(realm));
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            http.Response.Headers.WWWAuthenticate = $"Basic realm=\"{NameOf(realm)}\"";
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync($"authentication required (realm {NameOf(realm)})", http.RequestAborted).ConfigureAwait(false);
        });
    }

    /// <summary>
    /// The ACL a request of this realm needs, checked here because it holds for the whole endpoint: reads
    /// (<c>get_endpoints</c>, by path, for the metrics), the agent channel (<c>register_agents</c>), the masters' membership and
    /// step-down (<c>update_masters</c>, by Raft endpoint). The operator and scheduler APIs check their calls themselves.
    /// </summary>
    private static string? ForbiddenBy(Acls acls, Realm realm, HttpContext http, string? principal)
    {
        var path = http.Request.Path.Value ?? "";
        var (action, target) = realm switch
        {
            // As Mesos, for the endpoints it guards so (metrics); state reads are not refused by path.
            Realm.ReadOnly when path.StartsWith("/metrics", StringComparison.Ordinal) => ("get_endpoints", path),
            Realm.Agents => ("register_agents", ""),
            Realm.ReadWrite when path is Operator.MembershipEndpoints.MembersPath or Operator.MembershipEndpoints.StepDownPath =>
                ("update_masters", http.Request.Query["raft"].ToString() is { Length: > 0 } raft ? raft : "leader"),
            _ => ((string?)null, ""),
        };
        return action is null || acls.Allows(action, principal, target) ? null : $"{action} {(target.Length > 0 ? target : "")}".TrimEnd();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forbidden {Method} {Path} to principal {Principal}: {Refusal}")]
    private static partial void LogForbidden(ILogger logger, string method, string path, string principal, string refusal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Method} {Path}: no valid credentials (principal {Principal}, realm {Realm})")]
    private static partial void LogRefused(ILogger logger, string method, string path, string principal, string realm);
}
