using Mesos.HA.Protocol.Health;
using Xunit;

namespace Mesos.HA.Protocol.Tests.Health;

/// <summary>The HTTP probe against a real server on 127.0.0.1.</summary>
public class HttpProbeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(200, true)]
    [InlineData(204, true)]
    [InlineData(302, true)]
    [InlineData(399, true)]
    [InlineData(400, false)]
    [InlineData(404, false)]
    [InlineData(500, false)]
    public async Task Check_PassesOn200To399_FailsOtherwise(int status, bool passes)
    {
        await using var server = new TinyHttpServer(status);
        using var probe = new HttpProbe("http", server.Port, "/health", TimeProvider.System);
        var result = await probe.CheckAsync(Timeout, CancellationToken.None);
        Assert.Equal(passes, result.Passed);
        Assert.Equal($"HTTP GET http://127.0.0.1:{server.Port}/health answered {status}", result.Message);
        Assert.Equal(["GET /health HTTP/1.1"], server.RequestLines);
    }

    [Fact]
    public async Task Check_EveryCheckIsANewRequest()
    {
        await using var server = new TinyHttpServer(200);
        using var probe = new HttpProbe("http", server.Port, "ready", TimeProvider.System);
        Assert.True((await probe.CheckAsync(Timeout, CancellationToken.None)).Passed);
        Assert.True((await probe.CheckAsync(Timeout, CancellationToken.None)).Passed);
        Assert.Equal(["GET /ready HTTP/1.1", "GET /ready HTTP/1.1"], server.RequestLines);
    }

    [Fact]
    public async Task Check_NothingListening_Fails()
    {
        int port;
        await using (var server = new TinyHttpServer(200)) port = server.Port;
        using var probe = new HttpProbe("http", port, "", TimeProvider.System);
        var result = await probe.CheckAsync(Timeout, CancellationToken.None);
        Assert.False(result.Passed);
        Assert.StartsWith($"HTTP GET http://127.0.0.1:{port}/ failed: ", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_AServerThatNeverAnswers_FailsAtTheTimeout()
    {
        await using var server = new TinyHttpServer(200, answer: false);
        using var probe = new HttpProbe("http", server.Port, "/", TimeProvider.System);
        var result = await probe.CheckAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None);
        Assert.Equal(ProbeResult.Fail($"HTTP GET http://127.0.0.1:{server.Port}/ timed out after 0.2 s"), result);
    }

    [Fact]
    public async Task Check_Cancelled_Throws()
    {
        await using var server = new TinyHttpServer(200, answer: false);
        using var probe = new HttpProbe("http", server.Port, "/", TimeProvider.System);
        using var cancel = new CancellationTokenSource();
        var check = probe.CheckAsync(Timeout, cancel.Token);
        await Poll.UntilAsync("the request arrives", () => server.RequestLines.Count == 1, Timeout);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => check);
    }

    [Fact]
    public void New_RefusesASchemeOtherThanHttpOrHttps()
    {
        Assert.Throws<ArgumentException>(() => new HttpProbe("ftp", 80, "/", TimeProvider.System));
        using var https = new HttpProbe("HTTPS", 443, "/x", TimeProvider.System);
        Assert.Equal(new Uri("https://127.0.0.1:443/x"), https.Uri);
    }
}
