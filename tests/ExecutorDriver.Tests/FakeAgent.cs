using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using Mesos.HA.Protocol.Http;
using Mesos.HA.Protocol.Http.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.ExecutorDriver.Tests;

/// <summary>
/// The agent's side of the executor API, as far as the driver's tests need it: on 127.0.0.1 and a
/// free port, it records every call, streams the events a test pushes, and can drop the stream,
/// refuse subscriptions, refuse calls and acknowledge updates.
/// </summary>
internal sealed class FakeAgent : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly Lock gate = new();
    private readonly List<ExecutorCall> calls = [];
    private readonly List<string> subscribeContentTypes = [];
    private readonly List<string> authorizations = [];
    private Channel<ExecutorEvent>? stream;

    private FakeAgent(WebApplication app) => this.app = app;

    public string Endpoint { get; private set; } = "";

    /// <summary>SUBSCRIBE answers 503 while set (an agent that is restarting).</summary>
    public bool RefuseSubscriptions { get; set; }

    /// <summary>UPDATEs are ACKNOWLEDGED on the stream once accepted, while set.</summary>
    public bool AcknowledgeUpdates { get; set; } = true;

    /// <summary>The status a call other than SUBSCRIBE is answered with.</summary>
    public Func<ExecutorCall, HttpStatusCode> AnswerCall { get; set; } = _ => HttpStatusCode.Accepted;

    /// <summary>Calls (other than SUBSCRIBE) for which this holds get their connection cut instead of an answer.</summary>
    public Func<ExecutorCall, bool> CutConnection { get; set; } = _ => false;

    public static readonly ExecutorSubscribedEvent SubscribedEvent = new()
    {
        ExecutorInfo = new ExecutorInfo { ExecutorId = Id.Of(DriverFixture.ExecutorId), FrameworkId = Id.Of(DriverFixture.FrameworkId), Name = "fake" },
        FrameworkInfo = new FrameworkInfo { Id = Id.Of(DriverFixture.FrameworkId), Name = "framework", User = "root" },
        AgentInfo = new ExecutorAgentInfo { Id = Id.Of("agent-1"), Hostname = "127.0.0.1", Port = 5051 },
    };

    public static async Task<FakeAgent> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        var agent = new FakeAgent(app);
        app.MapPost(ExecutorAgentClient.Path, agent.HandleAsync);
        await app.StartAsync();
        agent.Endpoint = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First()).Authority;
        return agent;
    }

    public IReadOnlyList<ExecutorCall> Calls
    {
        get { lock (gate) return [.. calls]; }
    }

    public IReadOnlyList<ExecutorCall> CallsOf(string type) => [.. Calls.Where(c => c.Type == type)];

    /// <summary>Every call's Authorization header ("" when none), in arrival order.</summary>
    public IReadOnlyList<string> Authorizations
    {
        get { lock (gate) return [.. authorizations]; }
    }

    public IReadOnlyList<string> SubscribeContentTypes
    {
        get { lock (gate) return [.. subscribeContentTypes]; }
    }

    public bool Streaming
    {
        get { lock (gate) return stream is not null; }
    }

    /// <summary>Pushes an event onto the open stream; false when none is open.</summary>
    public bool Send(ExecutorEvent e)
    {
        lock (gate) return stream?.Writer.TryWrite(e) ?? false;
    }

    /// <summary>Ends the open stream's response (the driver sees the stream end).</summary>
    public void DropStream()
    {
        lock (gate)
        {
            stream?.Writer.TryComplete();
            stream = null;
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        lock (gate) authorizations.Add(context.Request.Headers.Authorization.ToString());
        var call = await JsonSerializer.DeserializeAsync(context.Request.Body, ExecutorJsonContext.Default.ExecutorCall, context.RequestAborted)
                   ?? throw new InvalidDataException("no call");
        lock (gate) calls.Add(call);
        if (call.Type == ExecutorCall.SubscribeType)
        {
            await StreamAsync(context);
            return;
        }
        if (CutConnection(call))
        {
            context.Abort();
            return;
        }
        var answer = AnswerCall(call);
        context.Response.StatusCode = (int)answer;
        if (answer != HttpStatusCode.Accepted) await context.Response.WriteAsync($"refused {call.Type}");
        else if (call.Type == ExecutorCall.UpdateType && AcknowledgeUpdates && call.Update?.Status is { } status)
            Send(new ExecutorEvent
            {
                Type = ExecutorEvent.AcknowledgedType,
                Acknowledged = new ExecutorAcknowledgedEvent { TaskId = status.TaskId, Uuid = status.Uuid },
            });
    }

    private async Task StreamAsync(HttpContext context)
    {
        lock (gate) subscribeContentTypes.Add($"{context.Request.ContentType}|{context.Request.Headers.Accept}");
        if (RefuseSubscriptions)
        {
            context.Response.StatusCode = (int)HttpStatusCode.ServiceUnavailable;
            return;
        }
        var events = Channel.CreateUnbounded<ExecutorEvent>();
        events.Writer.TryWrite(new ExecutorEvent { Type = ExecutorEvent.SubscribedType, Subscribed = SubscribedEvent });
        lock (gate)
        {
            stream?.Writer.TryComplete();
            stream = events;
        }
        context.Response.StatusCode = (int)HttpStatusCode.OK;
        context.Response.ContentType = "application/json";
        try
        {
            await foreach (var e in events.Reader.ReadAllAsync(context.RequestAborted))
            {
                await context.Response.Body.WriteAsync(RecordIO.Frame(ExecutorJsonContext.Write(e)), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // The driver went away.
        }
        finally
        {
            lock (gate)
                if (stream == events)
                    stream = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        DropStream();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
