using Mesos.HA.Master.Core;
using Mesos.HA.Master.Http;
using Mesos.HA.Master.Scheduler;
using Mesos.HA.Master.Security;
using Mesos.HA.Protocol;
using Mesos.HA.Replication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;

namespace Mesos.HA.Master.Operator.V1;

/// <summary>
/// An operator ends a framework: the v1 TEARDOWN call and Mesos' older <c>POST /teardown</c> (and
/// <c>/master/teardown</c>) with the form body <c>frameworkId=ID</c>. The framework's tasks are killed, its
/// executors stopped, the registry forgets it, and its scheduler's stream ends with an ERROR event, as its
/// own TEARDOWN would. Subject to <c>teardown_frameworks</c> (<see cref="TeardownAuthorization"/>): 403 and
/// nothing changes when refused; 400 for a framework the registry does not hold.
/// </summary>
public sealed partial class OperatorApi
{
    /// <summary>The schedulers' streams, to end the stream of a framework torn down here; none: the stream stays until its framework calls.</summary>
    public FrameworkHub? Frameworks { get; set; }

    public static readonly IReadOnlyList<string> TeardownPaths = ["/teardown", "/master/teardown"];

    public void MapTeardownEndpoints(IEndpointRouteBuilder app)
    {
        foreach (var path in TeardownPaths) app.MapPost(path, LegacyTeardownAsync);
    }

    private async Task LegacyTeardownAsync(HttpContext http)
    {
        var body = await ApiEncoding.ReadBodyAsync(http, MaxCallBytes).ConfigureAwait(false);
        if (body is null) return;
        var form = System.Text.Unicode.Utf8.IsValid(body) ? QueryHelpers.ParseQuery(System.Text.Encoding.UTF8.GetString(body)) : [];
        if (!form.TryGetValue("frameworkId", out var ids) || ids.Count != 1 || ids[0] is not { Length: > 0 } id)
        {
            await ApiEncoding.ErrorAsync(http, StatusCodes.Status400BadRequest, "expected the form body frameworkId=ID").ConfigureAwait(false);
            return;
        }
        if (!await LeadingAsync(http).ConfigureAwait(false)) return;
        await TeardownAsync(http, new FrameworkId(id)).ConfigureAwait(false);
    }

    /// <summary>Tears the framework down when the request's principal may: 200 once done, 400, 403, or 307/503 when this master stops leading.</summary>
    private async Task TeardownAsync(HttpContext http, FrameworkId framework)
    {
        var principal = HttpAuthentication.PrincipalOf(http);
        switch (TeardownAuthorization.Decide(registry.LocalRegistry, framework, options.Acls, principal))
        {
            case TeardownVerdict.Unknown:
                await ApiEncoding.ErrorAsync(http, StatusCodes.Status400BadRequest, $"No framework found with specified ID {framework}").ConfigureAwait(false);
                return;
            case TeardownVerdict.Forbidden:
                LogForbidden(logger, principal ?? "(none)", "teardown_frameworks", framework.Value);
                await ApiEncoding.ErrorAsync(http, StatusCodes.Status403Forbidden,
                    $"principal '{principal ?? "(none)"}' is not authorized to teardown framework {framework}").ConfigureAwait(false);
                return;
        }
        IReadOnlyList<Effect> effects;
        try
        {
            effects = await shell.RunAsync(new TeardownFramework(framework), http.RequestAborted).ConfigureAwait(false);
        }
        catch (NotLeaderException)
        {
            await ApiEncoding.NotLeaderAsync(http, registry.Leader, http.Request.Path).ConfigureAwait(false);
            return;
        }
        if (effects.OfType<CallRejected>().FirstOrDefault() is { } rejected)
        {
            await ApiEncoding.ErrorAsync(http, StatusCodes.Status400BadRequest, rejected.Message).ConfigureAwait(false);
            return;
        }
        // Replaced: its stream's end must not tell the core the (removed) framework disconnected.
        Frameworks?.Find(framework)?.CloseWith(SchedulerEventJson.Error("Framework was torn down"), replaced: true);
        http.Response.StatusCode = StatusCodes.Status200OK;
    }
}
