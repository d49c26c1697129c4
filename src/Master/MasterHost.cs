using System.Net;
using System.Text.Json;
using Mesos.HA.Master.Agents;
using Mesos.HA.Master.Bench;
using Mesos.HA.Master.Scheduler;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Security;
using Mesos.HA.Replication.Registry;
using Mesos.HA.Replication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Master;

/// <summary>
/// One master process: its Raft member (through <see cref="ReplicatedRegistry"/>), the leader shell
/// that runs the master's decisions while it leads, and its HTTP endpoints: health, leader redirect,
/// weights, the scheduler API and the agent channel.
/// </summary>
public static partial class MasterHost
{
    /// <summary>The HTTP port's listen backlog (the kernel caps it at net.core.somaxconn, 4096 by default).</summary>
    private const int HttpBacklog = 4096;

    public static async Task<int> RunAsync(MasterOptions options, Action<ILoggingBuilder> configureLogging, CancellationToken token)
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
        builder.WebHost.ConfigureKestrel(k => k.Listen(ParseAddress(options.HttpHost), options.HttpPort, l => Http.TlsListener.Use(l, options.Tls)));
        // A failover sends every agent and framework to the new leader at once: with the default queue of 512
        // the kernel dropped thousands of connection attempts, each retried a second or more later.
        builder.WebHost.UseSockets(sockets => sockets.Backlog = HttpBacklog);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, MasterJsonContext.Default));
        await using var app = builder.Build();
        var loggerFactory = app.Services.GetRequiredService<ILoggerFactory>();
        if (options.Replication.InjectedBugs != InjectedBugs.None)
            LogBugsInjected(loggerFactory.CreateLogger("Mesos.HA.Master"), InjectedBugNames.Describe(options.Replication.InjectedBugs));
        await using var registry = ReplicatedRegistry.Create(options.Replication, loggerFactory);
        // SIGTERM and Ctrl-C reach us through the host's lifetime (which keeps the runtime from exiting until we stop).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token, app.Lifetime.ApplicationStopping);
        var exitCode = 0;
        registry.Faulted += _ => { exitCode = 3; stop.Cancel(); };
        Http.AbandonedRequests.Use(app);
        Security.HttpAuthentication.Use(app, options.Authentication, options.Acls, loggerFactory.CreateLogger("Mesos.HA.Master.Authentication"));
        var router = new EffectRouter();
        // The composition root: the only place the master's shells get the real clock.
        var time = TimeProvider.System;
        await using var shell = new LeaderShell(registry, options.Leader, time, router, loggerFactory.CreateLogger("Mesos.HA.Master.Leader"));
        using var forwarding = Http.LeaderForwarding.Use(app, options, registry, shell, time, loggerFactory);
        using var agents = new AgentHub(registry, shell, time, loggerFactory.CreateLogger("Mesos.HA.Master.Agents"), options.Leader.AgentPingInterval);
        using var frameworks = new FrameworkHub(registry, loggerFactory.CreateLogger("Mesos.HA.Master.Scheduler"), time, options.SchedulerApi);
        router.Agents = agents;
        router.Frameworks = frameworks;
        var scheduler = new SchedulerEndpoint(frameworks, shell, registry, time, loggerFactory.CreateLogger("Mesos.HA.Master.Scheduler"), options.Acls);
        await using var leaders = new Operator.LeaderWatch(registry);
        new Operator.OperatorEndpoints(options, registry, shell, time).Map(app);
        using var metrics = new Operator.MasterMetrics(registry, shell, agents, frameworks, leaders, time);
        metrics.Map(app);
        await using var operatorEvents = new Operator.V1.OperatorEvents(() => registry.LocalRegistry, () => shell.Term, time, options.SchedulerApi.Heartbeat);
        router.Operators = operatorEvents;
        var operatorApi = new Operator.V1.OperatorApi(options, registry, shell, operatorEvents, metrics.SnapshotAsync, time.GetUtcNow(), time,
            loggerFactory.CreateLogger("Mesos.HA.Master.Operator"));
        app.Map(Operator.V1.OperatorApi.Path, operatorApi.HandleAsync);
        operatorApi.MapMaintenanceEndpoints(app);
        operatorApi.Frameworks = frameworks; // operator TEARDOWN ends the scheduler's stream
        Operator.MembershipEndpoints.Map(app, registry, time);
        MapEndpoints(app, options, registry);
        await using var dnsView = options.Dns is null ? null : new Dns.DnsViewSource(registry, shell, options, time, loggerFactory.CreateLogger("Mesos.HA.Master.Dns"));
        if (dnsView is not null) MapDnsTasks(app, dnsView, registry);
        app.MapPost(SchedulerEndpoint.Path, scheduler.HandleAsync);
        app.MapGet(AgentChannel.Path, (HttpContext http) => AgentChannel.AcceptAsync(http, agents, stop.Token));
        // HTTP first, Raft last: Kestrel's start and first requests cost a few hundred ms of CPU (JIT)
        // on a busy machine. Paid while the Raft member runs, they stalled a new leader's heartbeats and
        // its followers elected again; paid before it starts, this master simply joins later.
        try
        {
            await app.StartAsync(stop.Token);
        }
        catch (Exception e) when (StartupCheck.IsAddressInUse(e))
        {
            throw new StartupException($"--http {options.HttpHost}:{options.HttpPort} is already in use (another process listens there)", e);
        }
        await WarmUpHttpAsync(options, stop.Token);
        using var dns = StartDns(options, dnsView, time, loggerFactory);
        try
        {
            await registry.StartRaftAsync(stop.Token);
        }
        catch (Exception e) when (StartupCheck.IsAddressInUse(e))
        {
            throw new StartupException($"--raft {options.Replication.RaftEndPoint} is already in use (another process listens there)", e);
        }
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException) { }
        using var shutdown = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(shutdown.Token);
        return exitCode;
    }

    /// <summary>Asks this master's own <c>/health</c> once, so the request pipeline is compiled before the Raft member starts. Best effort.</summary>
    private static async Task WarmUpHttpAsync(MasterOptions options, CancellationToken token)
    {
        var host = ParseAddress(options.HttpHost) is { } ip && !ip.Equals(IPAddress.Any) ? ip.ToString() : "127.0.0.1";
        using var client = new HttpClient(Https.Handler(options.Tls, new SocketsHttpHandler()), disposeHandler: true) { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await client.GetAsync(new UriBuilder(Https.SchemeOf(options.Tls), host, options.HttpPort, "/health").Uri, token);
        }
        catch (Exception e) when (NoAnswer.Is(e)) { }
    }

    private static Dns.MasterDnsServer? StartDns(MasterOptions options, Dns.DnsViewSource? view, TimeProvider time, ILoggerFactory loggerFactory)
    {
        if (options.Dns is not { } endpoint || view is null) return null;
        try
        {
            return Dns.MasterDnsServer.Start(endpoint, view.View, time, loggerFactory.CreateLogger("Mesos.HA.Master.Dns"));
        }
        catch (System.Net.Sockets.SocketException e) when (StartupCheck.IsAddressInUse(e))
        {
            throw new StartupException($"--dns {endpoint} is already in use (another process listens there)", e);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new StartupException($"--dns {endpoint}: {e.Message} (a port below 1024 needs root or CAP_NET_BIND_SERVICE)", e);
        }
    }

    /// <summary>
    /// The leader's running tasks as its DNS names them, for its followers' DNS. Open like DNS itself
    /// (it tells exactly what any DNS client can ask); served only with <c>--dns</c>.
    /// </summary>
    private static void MapDnsTasks(WebApplication app, Dns.DnsViewSource view, ReplicatedRegistry registry) =>
        app.MapGet(Dns.DnsViewSource.TasksPath, async (HttpContext http) => await view.LeaderTasksAsync(http.RequestAborted) is { } tasks
            ? Results.Json(tasks.ToArray(), MasterJsonContext.Default.DnsTaskArray)
            : NotLeader(new NotLeaderException(registry.Leader), Dns.DnsViewSource.TasksPath));

    private static IPAddress ParseAddress(string host) =>
        host is "localhost" ? IPAddress.Loopback : IPAddress.TryParse(host, out var ip) ? ip : IPAddress.Any;

    private static void MapEndpoints(WebApplication app, MasterOptions options, ReplicatedRegistry registry)
    {
        app.MapGet("/health", () => Results.Json(Status(options, registry), MasterJsonContext.Default.StatusDto));

        app.MapGet("/master/redirect", () => registry.Leader is { HttpAddress.Length: > 0 } leader && (registry.IsLeader || !leader.IsLocal)
            ? Results.Redirect($"//{leader.HttpAddress}", permanent: false, preserveMethod: true)
            : Results.Json(new ErrorDto("no leader is known"), MasterJsonContext.Default.ErrorDto, statusCode: 503));

        app.MapGet("/master/weights", async (HttpContext http) =>
        {
            try
            {
                // ?local=true reads this master's applied copy (any master, possibly stale); the default is linearizable on the leader.
                var consistency = http.Request.Query["local"] == "true" ? ReadConsistency.LocalStale : ReadConsistency.Linearizable;
                var current = await registry.ReadAsync(consistency, http.RequestAborted);
                var weights = current.Weights.OrderBy(w => w.Key, StringComparer.Ordinal)
                    .Select(w => new WeightDto(w.Key, w.Value)).ToArray();
                return Results.Json(weights, MasterJsonContext.Default.WeightDtoArray);
            }
            catch (NotLeaderException e)
            {
                return NotLeader(e, "/master/weights");
            }
        });

        app.MapPut("/master/weights", async (HttpContext http) =>
        {
            WeightDto[]? body;
            try
            {
                body = await JsonSerializer.DeserializeAsync(http.Request.Body, MasterJsonContext.Default.WeightDtoArray, http.RequestAborted);
            }
            catch (JsonException e)
            {
                return BadRequest("malformed JSON: " + e.Message);
            }
            if (body is null) return BadRequest("expected a JSON array of {\"role\", \"weight\"}");
            try
            {
                var result = await registry.ProposeAsync(new SetWeights([.. body.Select(w => new RoleWeight(w.Role, w.Weight))]),
                    http.RequestAborted);
                return result.Succeeded ? Results.Ok() : BadRequest(result.Message);
            }
            catch (InvalidRegistryCommandException e)
            {
                return BadRequest(e.Message);
            }
            catch (NotLeaderException e)
            {
                // Say when nothing was written, so a client can send the write on instead of treating its outcome as unknown.
                if (e.NothingWritten) http.Response.Headers[NotWrittenHeader] = "true";
                return NotLeader(e, "/master/weights");
            }
        });

        if (options.EnableBenchEndpoints)
        {
            app.MapPost("/bench/replication", async (int writers, double seconds, int? commandBytes, HttpContext http) =>
            {
                if (writers is < 1 or > 1024 || seconds is <= 0 or > 600) return BadRequest("writers 1-1024, seconds 0-600");
                if (!registry.IsLeader) return NotLeader(new NotLeaderException(registry.Leader), "/bench/replication");
                var result = await ReplicationLoad.RunAsync(registry, writers, TimeSpan.FromSeconds(seconds),
                    commandBytes ?? 200, http.RequestAborted);
                return Results.Json(result, MasterJsonContext.Default.ReplicationBenchDto);
            });
        }
    }

    internal static IResult BadRequest(string message) =>
        Results.Json(new ErrorDto(message), MasterJsonContext.Default.ErrorDto, statusCode: 400);

    /// <summary>307 to the leader when one is known (as Mesos redirects), 503 otherwise.</summary>
    /// <summary>On a refused registry write: "true" when the write certainly did not happen (this master did not lead when asked).</summary>
    public const string NotWrittenHeader = "Mesos-HA-Not-Written";

    internal static IResult NotLeader(NotLeaderException e, string path) => e.Leader is { HttpAddress.Length: > 0, IsLocal: false } leader
        ? Results.Redirect($"//{leader.HttpAddress}{path}", permanent: false, preserveMethod: true)
        : Results.Json(new ErrorDto("no leader is known"), MasterJsonContext.Default.ErrorDto, statusCode: 503);

    public static StatusDto Status(MasterOptions options, ReplicatedRegistry registry)
    {
        var leader = registry.Leader;
        var local = registry.LocalRegistry;
        var leading = registry.IsLeader;
        // A leader reports the term it leads in: a deposed leader's node term can already show the
        // newer term for an instant before it steps down, and must not look like a second leader of it.
        var term = leading && registry.LeadershipTerm is { } led ? led : registry.Term;
        return new StatusDto(
            options.Id, $"{options.HttpHost}:{options.HttpPort}", options.Replication.RaftEndPoint.ToString(),
            leading ? "leader" : "follower", term, leader?.RaftEndPoint,
            leader is { HttpAddress.Length: > 0 } ? leader.HttpAddress : null,
            registry.AppliedIndex, registry.CommitIndex, registry.CheckpointIndex, registry.SnapshotsInstalled,
            registry.Compactions, registry.RaftRestarts, RegistryCodec.Digest(local), local.Weights.Count,
            registry.IsVoting, registry.IsStandby, [.. registry.Members.Select(m => m.RaftEndPoint)], registry.StateReinstalls);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "THIS MASTER RUNS WITH INJECTED BUGS ({Bugs}): it breaks guarantees on purpose, for the chaos suite's own tests; never use it for anything else")]
    private static partial void LogBugsInjected(ILogger logger, string bugs);
}
