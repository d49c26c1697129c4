using System.Net;
using Mesos.HA.Master.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>
/// A request whose client hung up ends quietly; any other failure still reaches the server as one (over a
/// real socket: the client really goes away).
/// </summary>
public sealed class AbandonedRequestsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AClientThatHangsUp_EndsItsRequestQuietly_AnotherFailureStillSurfaces()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var app = builder.Build();
        // What the server itself would see of each request's end (Kestrel logs an escaped exception at fail).
        var ends = new Dictionary<string, TaskCompletionSource<Exception?>>
        {
            ["/waits"] = new(TaskCreationOptions.RunContinuationsAsynchronously),
            ["/throws"] = new(TaskCreationOptions.RunContinuationsAsynchronously),
        };
        app.Use(async (http, next) =>
        {
            try
            {
                await next(http);
                ends[http.Request.Path].TrySetResult(null);
            }
            catch (Exception e)
            {
                ends[http.Request.Path].TrySetResult(e);
                throw;
            }
        });
        AbandonedRequests.Use(app);
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.MapGet("/waits", async (HttpContext http) =>
        {
            waiting.TrySetResult();
            await Task.Delay(Timeout.Infinite, http.RequestAborted);
        });
        app.MapGet("/throws", (HttpContext _) => throw new InvalidOperationException("a bug"));
        await app.StartAsync();
        try
        {
            var address = app.Urls.First();
            using var client = new HttpClient();
            using (var hangUp = new CancellationTokenSource())
            {
                var call = client.GetAsync(address + "/waits", hangUp.Token);
                await waiting.Task.WaitAsync(Bound);
                await hangUp.CancelAsync();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
            }
            Assert.Null(await ends["/waits"].Task.WaitAsync(Bound));

            using var failed = await client.GetAsync(address + "/throws").WaitAsync(Bound);
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
            Assert.IsType<InvalidOperationException>(await ends["/throws"].Task.WaitAsync(Bound));
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
