using System.Net;
using System.Text.Json.Serialization;
using Mesos.HA.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Agent;

/// <summary>One agent process: the <see cref="AgentService"/> and its HTTP endpoints (<c>/health</c>, <c>/state</c>, <c>/files/*</c>, <c>/api/v1</c>).</summary>
public static class AgentHost
{
    public static async Task<int> RunAsync(AgentOptions options, string bindAddress, Action<ILoggingBuilder> configureLogging, CancellationToken token)
    {
        // The host's defaults would take the working directory as content root and watch it, recursively,
        // for configuration changes: one inotify watch and a directory scan for every sandbox created
        // under a work directory below it. Nothing here is configured from files.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        builder.Logging.ClearProviders();
        configureLogging(builder.Logging);
        var ip = IPAddress.TryParse(bindAddress, out var parsed) ? parsed : IPAddress.Any;
        builder.WebHost.ConfigureKestrel(k => k.Listen(ip, options.HttpPort, listen =>
        {
            if (options.Tls is not { } tls) return;
            // Executors reach this listener too: they check it against the authority the agent hands them (ExecutorHost).
            listen.UseHttps(new Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions
            {
                ServerCertificate = tls.Certificate ?? throw new ArgumentException("an agent on TLS needs --tls-cert and --tls-key"),
                SslProtocols = Protocol.Security.TlsIdentity.Protocols,
            });
        }));
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, AgentJsonContext.Default));
        await using var app = builder.Build();
        await using var agent = new AgentService(options, app.Services.GetRequiredService<ILoggerFactory>(), TimeProvider.System);
        app.MapGet("/health", () => Results.Json(new AgentHealthDto(agent.Id?.Value, agent.Registered, agent.Leader), AgentJsonContext.Default.AgentHealthDto));
        app.MapGet("/state", () => Results.Json(agent.Tasks().Select(t => new AgentTaskDto(t.Framework.Value, t.Task.Value,
            Protocol.TaskStates.MesosName(t.State), t.Sandbox, t.PendingUpdates)).ToArray(), AgentJsonContext.Default.AgentTaskDtoArray));
        app.Map(Executors.ExecutorEndpoint.Path, agent.ExecutorApi.HandleAsync);
        Files.FilesEndpoints.Map(app, agent.Files);
        await agent.StartAsync();
        try
        {
            await app.StartAsync(token);
        }
        catch (Exception e) when (StartupCheck.IsAddressInUse(e))
        {
            throw new StartupException($"--port {options.HttpPort} is already in use (another process listens there)", e);
        }
        try
        {
            // SIGTERM and Ctrl-C reach us through the host's lifetime.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(token, app.Lifetime.ApplicationStopping);
            await agent.Completion.WaitAsync(stop.Token);
        }
        catch (OperationCanceledException) { }
        using var shutdown = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(shutdown.Token);
        return agent.Failure is null ? 0 : 1;
    }
}

public sealed record AgentHealthDto(string? Id, bool Registered, string? Leader);

public sealed record AgentTaskDto(string FrameworkId, string TaskId, string State, string Sandbox, int PendingUpdates);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AgentHealthDto))]
[JsonSerializable(typeof(AgentTaskDto[]))]
public sealed partial class AgentJsonContext : JsonSerializerContext;
