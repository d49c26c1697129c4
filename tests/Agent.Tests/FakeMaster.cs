using System.Net;
using System.Threading.Channels;
using Mesos.HA.Protocol.Agent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Agent.Tests;

/// <summary>
/// A scripted master for testing the agent's side of the channel: it accepts the upgrade, hands each
/// connection's frames to the test, and lets the test write raw bytes back.
/// </summary>
internal sealed class FakeMaster : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly Channel<FakeConnection> connections = Channel.CreateUnbounded<FakeConnection>();
    private readonly List<FakeConnection> all = new();

    private FakeMaster(WebApplication app) => this.app = app;

    public string Address { get; private set; } = "";

    public static async Task<FakeMaster> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var master = new FakeMaster(app);
        app.MapGet(FrameCodec.ChannelPath, async (HttpContext http) =>
        {
            var stream = await http.Features.Get<IHttpUpgradeFeature>()!.UpgradeAsync();
            var connection = new FakeConnection(stream);
            lock (master.all) master.all.Add(connection);
            await master.connections.Writer.WriteAsync(connection);
            await connection.Done.Task;
        });
        await app.StartAsync();
        var address = app.Urls.First();
        master.Address = new Uri(address).Authority;
        return master;
    }

    public async Task<FakeConnection> NextConnectionAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        return await connections.Reader.ReadAsync(cancel.Token);
    }

    public async ValueTask DisposeAsync()
    {
        lock (all) foreach (var c in all) c.Done.TrySetResult();
        using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(quick.Token);
        await app.DisposeAsync();
    }
}

internal sealed class FakeConnection(Stream stream)
{
    public Stream Stream { get; } = stream;
    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task SendAsync(long term, AgentMessage message) => Stream.WriteAsync(FrameCodec.Encode(term, message)).AsTask();

    /// <summary>The next frame that is not a ping or pong (answering pings so the agent stays).</summary>
    public async Task<FrameRead> NextAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (true)
        {
            var read = await FrameCodec.ReadAsync(Stream, cancel.Token);
            if (read is FrameRead.Ok { Frame.Message: Ping ping }) { await SendAsync(0, new Pong(ping.Sequence)); continue; }
            if (read is FrameRead.Ok { Frame.Message: Pong }) continue;
            return read;
        }
    }
}

/// <summary>Keeps log lines in memory so tests can check what was logged.</summary>
internal sealed class ListLoggerProvider : ILoggerProvider
{
    private readonly List<string> lines = new();

    public IReadOnlyList<string> Lines { get { lock (lines) return [.. lines]; } }

    public ILogger CreateLogger(string categoryName) => new ListLogger(this, categoryName);

    public void Dispose() { }

    private sealed class ListLogger(ListLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner.lines) owner.lines.Add($"{logLevel} {category}: {formatter(state, exception)}");
        }
    }
}
