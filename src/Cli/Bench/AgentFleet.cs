using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;

namespace Mesos.HA.Cli.Bench;

/// <summary>
/// Many <see cref="FollowingAgent"/>s in this process, and what they share: one
/// <see cref="HttpMessageInvoker"/> (each agent's channel is one upgraded connection), one loop that
/// pings every connected agent once per <see cref="PingInterval"/> (in ten slices, so the pings are
/// spread over the period) and drops a channel silent for <see cref="MaxMissedPings"/> periods (the
/// real agent's rule), and one seeded source of backoff jitter. Above ~20,000 agents the connections
/// come from several loopback source addresses: one address has ~28,000 ephemeral ports to one master.
/// </summary>
internal sealed class AgentFleet : IAsyncDisposable
{
    public static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(1);
    public const int MaxMissedPings = 3;
    private const int AgentsPerSourceAddress = 20_000;
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromSeconds(2); // the real agent's backoff
    private readonly FollowingAgent[] agents;
    private readonly Random jitter;
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> loops = [];
    private Task? pinger;
    private int connected;
    private long registrations;
    private long failedAttempts;
    private long launched;
    private long acknowledged;
    private int nextSource;
    private string lastFailure = "none";
    private string? shutDown;

    /// <param name="resources">every agent's resource text.</param>
    /// <param name="seed">of the backoff jitter (printed by the bench).</param>
    public AgentFleet(int count, string resources, IReadOnlyList<string> masters, int seed)
    {
        Masters = masters;
        jitter = new Random(seed);
        var sources = (count + AgentsPerSourceAddress - 1) / AgentsPerSourceAddress;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectTimeout = TimeSpan.FromSeconds(1),
        };
        if (sources > 1) handler.ConnectCallback = (context, token) => ConnectFromAsync(context, sources, token);
        Http = new HttpMessageInvoker(handler);
        agents = [.. Enumerable.Range(0, count).Select(i => new FollowingAgent(i, resources, this))];
    }

    public IReadOnlyList<string> Masters { get; }

    public HttpMessageInvoker Http { get; }

    public IReadOnlyList<FollowingAgent> Agents => agents;

    public int Connected => Volatile.Read(ref connected);
    public long Launched => Interlocked.Read(ref launched);
    public long Acknowledged => Interlocked.Read(ref acknowledged);
    public long FailedAttempts => Interlocked.Read(ref failedAttempts);

    /// <summary>Why an agent was told to shut down, if one was: the run cannot go on.</summary>
    public string? ShutDown => Volatile.Read(ref shutDown);

    /// <summary>
    /// Starts every agent with <paramref name="leader"/>, <paramref name="batch"/> at a time: the next batch
    /// starts once the previous one has registered (the master's accept backlog is finite, and this is
    /// set-up, not what is measured). Throws when a batch does not register within <paramref name="perBatch"/>.
    /// </summary>
    public async Task StartAsync(string leader, int batch, TimeSpan perBatch, CancellationToken token)
    {
        pinger = Task.Run(() => PingLoopAsync(stop.Token), CancellationToken.None);
        for (var first = 0; first < agents.Length; first += batch)
        {
            var end = Math.Min(agents.Length, first + batch);
            for (var i = first; i < end; i++)
            {
                var agent = agents[i];
                loops.Add(Task.Run(() => agent.RunAsync(leader, stop.Token), CancellationToken.None));
            }
            await Poll.UntilAsync($"agents {first}-{end - 1} register with {leader}", () => Connected >= end || ShutDown is not null, perBatch,
                () => Describe(), TimeSpan.FromMilliseconds(10), token: token);
            if (ShutDown is { } reason) throw new InvalidOperationException($"an agent was shut down: {reason}");
        }
    }

    /// <summary>How many agents are registered with a leader of a term above <paramref name="term"/>, and when the last of them registered.</summary>
    public (int Count, long LastRegisteredAt) RegisteredAbove(long term)
    {
        var count = 0;
        long last = 0;
        foreach (var agent in agents)
        {
            if (agent.Term <= term || agent.Channel is null) continue;
            count++;
            last = Math.Max(last, agent.RegisteredAt);
        }
        return (count, last);
    }

    public string Describe(long? aboveTerm = null)
    {
        var above = aboveTerm is { } t ? $", {RegisteredAbove(t).Count} with a leader of a term above {t}" : "";
        return $"{Connected} of {agents.Length} agents connected{above}; {Interlocked.Read(ref registrations)} registrations, " +
               $"{FailedAttempts} failed attempts (last: {Volatile.Read(ref lastFailure)}); {Launched} tasks launched, {Acknowledged} acknowledged";
    }

    public TimeSpan Backoff(int failures)
    {
        var cap = Math.Min(MaxDelay.TotalMilliseconds, FirstDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 16)));
        double factor;
        lock (jitter) factor = 0.5 + jitter.NextDouble();
        return TimeSpan.FromMilliseconds(cap * factor);
    }

    public void NoteRegistered(FollowingAgent agent)
    {
        Interlocked.Increment(ref connected);
        Interlocked.Increment(ref registrations);
    }

    public void NoteLost(FollowingAgent agent) => Interlocked.Decrement(ref connected);
    public void NoteLaunched() => Interlocked.Increment(ref launched);
    public void NoteAcknowledged() => Interlocked.Increment(ref acknowledged);

    public void NoteFailedAttempt(string error)
    {
        Interlocked.Increment(ref failedAttempts);
        Volatile.Write(ref lastFailure, error);
    }

    public void NoteShutDown(FollowingAgent agent, string reason) => Volatile.Write(ref shutDown, $"sim-{agent.Index}: {reason}");

    /// <summary>Pings a tenth of the agents every tenth of the period; drops the channels silent for too long.</summary>
    private async Task PingLoopAsync(CancellationToken token)
    {
        const int slices = 10;
        using var timer = new PeriodicTimer(PingInterval / slices);
        var silence = (long)(PingInterval.TotalSeconds * MaxMissedPings * Stopwatch.Frequency);
        long sequence = 0;
        var slice = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            {
                sequence++;
                var now = Stopwatch.GetTimestamp();
                for (var i = slice; i < agents.Length; i += slices)
                {
                    if (agents[i].Channel is not { } channel) continue;
                    if (now - agents[i].LastHeard > silence) _ = channel.DisposeAsync().AsTask(); // its read loop ends and it looks for the leader
                    else channel.TrySend(0, new Ping(sequence));
                }
                slice = (slice + 1) % slices;
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Connects from 127.0.0.1, 127.0.0.2, ... in turn (without reserving a port at bind time).</summary>
    private async ValueTask<Stream> ConnectFromAsync(SocketsHttpConnectionContext context, int sources, CancellationToken token)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            const int ipBindAddressNoPort = 24;
            socket.SetRawSocketOption((int)SocketOptionLevel.IP, ipBindAddressNoPort, BitConverter.GetBytes(1));
            var source = (Interlocked.Increment(ref nextSource) & int.MaxValue) % sources;
            socket.Bind(new IPEndPoint(new IPAddress([127, 0, 0, (byte)(1 + source)]), 0));
            await socket.ConnectAsync(context.DnsEndPoint, token).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        foreach (var agent in agents)
            if (agent.Channel is { } channel) await channel.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (pinger is not null) await pinger.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Http.Dispose();
        stop.Dispose();
    }
}
