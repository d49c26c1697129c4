using Microsoft.AspNetCore.Builder;

namespace Mesos.HA.Master.Http;

/// <summary>
/// A request whose client went away (a driver's call timed out, a connection dropped during a failover)
/// is cancelled wherever it waits; nobody is left to answer, so the cancellation ends it quietly instead of
/// reaching Kestrel as an application error logged at <c>fail</c>. Any other exception still does.
/// </summary>
public static class AbandonedRequests
{
    public static void Use(WebApplication app) =>
        app.Use(async (http, next) =>
        {
            try
            {
                await next(http).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
            {
            }
        });
}
