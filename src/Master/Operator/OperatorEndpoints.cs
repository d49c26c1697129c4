using Mesos.HA.Replication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Mesos.HA.Master.Operator;

/// <summary>The operator's endpoints: the web page and <c>/master/state</c> (the metrics endpoints are <see cref="MasterMetrics"/>).</summary>
public sealed class OperatorEndpoints(MasterOptions options, ReplicatedRegistry registry, LeaderShell shell, TimeProvider time)
{
    private readonly DateTimeOffset startedAt = time.GetUtcNow();

    public void Map(WebApplication app)
    {
        app.MapGet("/", () => Results.Content(WebPage.Html, "text/html; charset=utf-8"));
        app.MapGet("/master/state", async (HttpContext http) =>
        {
            var core = await shell.ReadAsync(c => c.View(), http.RequestAborted);
            return Results.Bytes(StateJson.Write(options, registry, startedAt, shell.ElectedAt, core), "application/json");
        });
    }
}
