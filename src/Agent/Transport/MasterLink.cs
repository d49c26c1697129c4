using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Security;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Mesos.HA.Agent.Transport;

/// <summary>
/// The agent's connection to the leading master. It connects to a master (the last leader it heard
/// of first, then the configured ones in turn), upgrades the HTTP connection to the agent channel,
/// and (re-)registers; a follower answers <see cref="NotLeader"/> with the leader's address, which
/// is tried at once. Failed attempts are retried by a Polly pipeline (exponential backoff with
/// jitter, small first delay, capped) that never gives up while the agent runs. Once registered it
/// pings the master and drops the connection when the master falls silent; frames from a master
/// of an older term than one already followed are ignored.
/// </summary>
internal sealed partial class MasterLink : IAsyncDisposable
{
    private readonly AgentOptions options;
    private readonly AgentService agent;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly HttpMessageInvoker http;
    private readonly ResiliencePipeline reconnect;
    private FrameChannel? channel;
    private string? leaderHint;
    private string? leader;
    private long highestTerm;
    private long currentTerm;
    private int nextMaster;

    public MasterLink(AgentOptions options, AgentService agent, TimeProvider time, ILogger logger)
    {
        this.options = options;
        this.agent = agent;
        this.time = time;
        this.logger = logger;
        http = new HttpMessageInvoker(Https.Handler(options.Tls, new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(1),
            PooledConnectionLifetime = TimeSpan.Zero,
            UseProxy = false,
        }));
        reconnect = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not (OperationCanceledException or AgentShutDownException)),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.ReconnectFirstDelay,
                MaxDelay = options.ReconnectMaxDelay,
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    if (args.Outcome.Exception?.InnerException is AgentChannelRefusedException { Unauthorized: true } refused)
                        LogUnauthorized(logger, refused.Message, args.RetryDelay.TotalMilliseconds);
                    else
                        LogRetry(logger, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, args.Outcome.Exception?.Message ?? "");
                    return default;
                },
            })
            .Build();
    }

    public bool Registered => Volatile.Read(ref channel) is { Closed.IsCancellationRequested: false };

    public string? Leader => Registered ? Volatile.Read(ref leader) : null;

    /// <summary>Queues a frame to the leader; false when not connected (the caller resends after the next registration).</summary>
    public bool TrySend(AgentMessage message) =>
        Volatile.Read(ref channel) is { } current && current.TrySend(0, message);

    /// <summary>Follows the leader until the agent stops.</summary>
    public async Task RunAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            try
            {
                var (connected, term, address) = await reconnect.ExecuteAsync(ConnectAsync, token).ConfigureAwait(false);
                Volatile.Write(ref leader, address);
                currentTerm = term;
                Volatile.Write(ref channel, connected.Channel);
                agent.OnRegistered(((AgentRegistered)connected.FirstMessage).Agent);
                LogRegistered(logger, address, term);
                await ServeAsync(connected, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (AgentShutDownException)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Not expected (the pipeline retries every known failure); the agent must keep following the leader regardless.
                LogUnexpected(logger, e);
            }
            finally
            {
                if (Interlocked.Exchange(ref channel, null) is { } old)
                {
                    await old.DisposeAsync().ConfigureAwait(false);
                    agent.OnLinkLost();
                }
            }
            if (token.IsCancellationRequested) continue;
            var lost = Volatile.Read(ref leader);
            LogDisconnected(logger, lost ?? "?");
            // Start over with the master after the one that was lost: it is likely dead, and any other names the new leader.
            var index = lost is null ? -1 : options.Masters.ToList().IndexOf(lost);
            if (index >= 0) nextMaster = index + 1;
        }
    }

    /// <summary>
    /// One registration attempt, bounded in time: a master that accepts connections but does not
    /// answer (paused, overloaded) must cost one attempt, not stall the link.
    /// </summary>
    private async ValueTask<(Connected Channel, long Term, string Address)> ConnectAsync(CancellationToken token)
    {
        using var due = new CancellationTokenSource(options.PingInterval * options.MaxMissedPings + LeaderWaitAllowance, time);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token, due.Token);
        try
        {
            return await ConnectOnceAsync(attempt.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            throw new MasterUnavailableException("a master did not answer the registration in time");
        }
    }

    /// <summary>A master holds a registration while it waits for an election to end (up to 2 s).</summary>
    private static readonly TimeSpan LeaderWaitAllowance = TimeSpan.FromSeconds(2);

    private async ValueTask<(Connected Channel, long Term, string Address)> ConnectOnceAsync(CancellationToken token)
    {
        var address = Interlocked.Exchange(ref leaderHint, null) ?? options.Masters[nextMaster++ % options.Masters.Count];
        for (var hop = 0; ; hop++)
        {
            var stream = await UpgradeAsync(address, token).ConfigureAwait(false);
            var frames = new FrameChannel(stream, time);
            var registered = false;
            try
            {
                frames.TrySend(0, agent.RegistrationMessage());
                var read = await frames.ReadAsync(token).ConfigureAwait(false);
                switch (read)
                {
                    case FrameRead.Ok { Frame: { Message: AgentRegistered } frame } when frame.Term >= Volatile.Read(ref highestTerm):
                        Volatile.Write(ref highestTerm, frame.Term);
                        registered = true;
                        return (new Connected(frames, frame.Message), frame.Term, address);
                    case FrameRead.Ok { Frame.Message: NotLeader { LeaderHttp: { Length: > 0 } next } } when hop == 0 && next != address:
                        LogRedirected(logger, address, next);
                        address = next;
                        continue;
                    case FrameRead.Ok { Frame.Message: NotLeader notLeader }:
                        leaderHint = notLeader.LeaderHttp;
                        throw new MasterUnavailableException($"{address} does not lead (leader: {notLeader.LeaderHttp ?? "unknown"})");
                    case FrameRead.Ok { Frame.Message: ShutdownAgent shutdown }:
                        agent.OnMessage(shutdown);
                        throw new AgentShutDownException();
                    case FrameRead.Ok ok:
                        throw new MasterUnavailableException($"{address} answered the registration with {ok.Frame.Message.GetType().Name} (term {ok.Frame.Term})");
                    default:
                        throw new MasterUnavailableException($"{address} closed the channel during registration ({read.GetType().Name})");
                }
            }
            finally
            {
                if (!registered) await frames.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<Stream> UpgradeAsync(string address, CancellationToken token)
    {
        try
        {
            return await AgentChannelClient.OpenAsync(http, address, token, options.Credential, Https.SchemeOf(options.Tls)).ConfigureAwait(false);
        }
        catch (AgentChannelRefusedException e)
        {
            throw new MasterUnavailableException(e.Message, e);
        }
    }

    /// <summary>Reads the leader's frames until the connection drops or falls silent; pings it meanwhile.</summary>
    private async Task ServeAsync(Connected connected, CancellationToken token)
    {
        var frames = connected.Channel;
        using var session = CancellationTokenSource.CreateLinkedTokenSource(token, frames.Closed);
        var pinger = frames.PingEveryAsync(0, options.PingInterval, session.Token);
        try
        {
            while (!session.IsCancellationRequested)
            {
                using var silent = new CancellationTokenSource(options.PingInterval * options.MaxMissedPings, time);
                using var silence = CancellationTokenSource.CreateLinkedTokenSource(session.Token, silent.Token);
                FrameRead read;
                try
                {
                    read = await frames.ReadAsync(silence.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    LogSilent(logger, options.MaxMissedPings);
                    return;
                }
                catch (IOException)
                {
                    return;
                }
                switch (read)
                {
                    case FrameRead.Ok { Frame: var frame }:
                        if (!Accept(frame, frames)) continue;
                        if (frame.Message is NotLeader) return; // the master stepped down: find the new leader
                        agent.OnMessage(frame.Message);
                        if (frame.Message is ShutdownAgent) throw new AgentShutDownException();
                        continue;
                    case FrameRead.Malformed bad:
                        LogMalformed(logger, bad.Error);
                        frames.TrySend(0, new ProtocolError(bad.Error));
                        continue;
                    case FrameRead.Oversized big:
                        LogOversized(logger, big.Length, FrameCodec.MaxFrameBytes);
                        return;
                    default:
                        return;
                }
            }
        }
        finally
        {
            await session.CancelAsync().ConfigureAwait(false);
            await pinger.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Liveness and the term check: a frame from an older term than the newest leader seen is ignored.</summary>
    private bool Accept(AgentFrame frame, FrameChannel frames)
    {
        if (frame.Term < Volatile.Read(ref highestTerm))
        {
            LogStale(logger, frame.Message.GetType().Name, frame.Term, highestTerm);
            return false;
        }
        Volatile.Write(ref highestTerm, frame.Term);
        switch (frame.Message)
        {
            case Ping ping:
                frames.TrySend(0, new Pong(ping.Sequence));
                return false;
            case Pong:
            case ProtocolError:
                if (frame.Message is ProtocolError error) LogPeerError(logger, error.Message);
                return false;
            default:
                return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref channel, null) is { } old) await old.DisposeAsync().ConfigureAwait(false);
        http.Dispose();
    }

    private sealed record Connected(FrameChannel Channel, AgentMessage FirstMessage);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure in the master link; reconnecting")]
    private static partial void LogUnexpected(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered with the leading master {Leader} (term {Term})")]
    private static partial void LogRegistered(ILogger logger, string leader, long term);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the connection to master {Leader}; looking for the leader")]
    private static partial void LogDisconnected(ILogger logger, string leader);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Master {Master} does not lead; trying {Leader}")]
    private static partial void LogRedirected(ILogger logger, string master, string leader);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Registration attempt {Attempt} failed, next in {DelayMs:F0} ms: {Error}")]
    private static partial void LogRetry(ILogger logger, int attempt, double delayMs, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Refusal}; trying again in {DelayMs:F0} ms")]
    private static partial void LogUnauthorized(ILogger logger, string refusal, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The master was silent for {Missed} ping periods; reconnecting")]
    private static partial void LogSilent(ILogger logger, int missed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a malformed frame from the master: {Error}")]
    private static partial void LogMalformed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropping the connection: the master sent a {Length}-byte frame (limit {Limit})")]
    private static partial void LogOversized(ILogger logger, long length, int limit);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ignoring {Message} from a master of term {Term}: term {Highest} leads")]
    private static partial void LogStale(ILogger logger, string message, long term, long highest);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The master reported a protocol error: {Error}")]
    private static partial void LogPeerError(ILogger logger, string error);
}

/// <summary>A master could not be reached, or does not lead; the link tries again.</summary>
public sealed class MasterUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The master declared this agent gone: the link stops for good.</summary>
internal sealed class AgentShutDownException() : Exception("the master shut this agent down");
