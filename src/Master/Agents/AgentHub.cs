using System.Collections.Concurrent;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.Replication;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Master.Agents;

/// <summary>
/// The master's side of the agent channel. Every master accepts the connection; one that does not
/// lead answers the registration with <see cref="NotLeader"/> naming the leader and hangs up. The
/// leader registers the agent through its core (the registry write commits before the agent hears
/// back), then serves the session: status updates go to the core, pings both ways keep the agent
/// seen. Sessions belong to a leadership term; when it ends they are told <see cref="NotLeader"/>
/// and closed, and effects of an older term are never delivered.
/// </summary>
public sealed partial class AgentHub : IDisposable
{
    private readonly IRegistryLeadership registry;
    private readonly LeaderShell shell;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly TimeSpan pingInterval;
    private readonly ConcurrentDictionary<AgentId, AgentSession> sessions = new();

    public AgentHub(IRegistryLeadership registry, LeaderShell shell, TimeProvider time, ILogger logger, TimeSpan pingInterval)
    {
        this.registry = registry;
        this.shell = shell;
        this.time = time;
        this.logger = logger;
        this.pingInterval = pingInterval;
        registry.LostLeadership += OnLostLeadership;
        liveness = Task.Run(() => KeepAliveAsync(stopping.Token));
    }

    private readonly CancellationTokenSource stopping = new();
    private readonly Task liveness;

    /// <summary>How many agents hold a session with this master now.</summary>
    public int Connected => sessions.Count;

    /// <summary>Sends to the agent if it holds a session of <paramref name="term"/>; false otherwise.</summary>
    public bool Send(long term, AgentId agent, AgentMessage message) =>
        sessions.TryGetValue(agent, out var session) && session.Term == term && session.TrySend(message);

    /// <summary>Carries the leader's agent-bound effects to the agents.</summary>
    public bool Deliver(long term, Effect effect) => effect switch
    {
        LaunchTask l when registry.InjectedBugs.HasFlag(InjectedBugs.RetryLaunches) => SendTwice(term, l), // injected bug
        AgentLost lost => EndSession(term, lost.Agent),
        LaunchTask l => Send(term, l.Agent, RunTaskOf(l)),
        _ => AgentWire.MessageOf(effect) is var (agent, message) && Send(term, agent, message),
    };

    /// <summary>
    /// The core marked the agent unreachable (it missed its pings) while its connection may still be
    /// open, as when the agent or this master stalled: the session is ended so that the agent
    /// re-registers with its tasks and is readmitted, instead of believing itself registered with a
    /// master that no longer offers its resources.
    /// </summary>
    private bool EndSession(long term, AgentId agent)
    {
        if (!sessions.TryGetValue(agent, out var session) || session.Term != term) return false;
        if (!sessions.TryRemove(KeyValuePair.Create(agent, session))) return false;
        LogEndedUnreachable(logger, agent.Value);
        _ = session.Channel.CloseAsync(TimeSpan.FromMilliseconds(200));
        return true;
    }

    /// <summary>The launch as the agent's message, with the framework's name and user from the registry (its executor is told them).</summary>
    private RunTask RunTaskOf(LaunchTask l) => AgentWire.RunTaskOf(l) with
    {
        FrameworkInfo = registry.LocalRegistry.Frameworks.TryGetValue(l.Framework, out var framework)
            ? new FrameworkSummary(framework.Info.Name, framework.Info.User)
            : null,
    };

    /// <summary>
    /// Injected bug <see cref="InjectedBugs.RetryLaunches"/>: the launch goes out, and again after
    /// <see cref="LaunchRetryDelay"/> as if the first might have been lost, whatever became of the task.
    /// </summary>
    private bool SendTwice(long term, LaunchTask launch)
    {
        _ = Task.Delay(LaunchRetryDelay, time).ContinueWith(_ => Send(term, launch.Agent, RunTaskOf(launch)), TaskScheduler.Default);
        return Send(term, launch.Agent, RunTaskOf(launch));
    }

    /// <summary>How long the injected launch retry waits: longer than a chaos task runs, so the first run has ended.</summary>
    private static readonly TimeSpan LaunchRetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>Serves one agent connection until it ends.</summary>
    public async Task ServeAsync(Stream stream, string remote, CancellationToken token)
    {
        var channel = new FrameChannel(stream, time);
        try
        {
            await ServeAsync(channel, remote, token).ConfigureAwait(false);
        }
        finally
        {
            // What was queued last (a refusal, NotLeader) still goes out before the connection closes.
            await channel.CloseAsync(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
        }
    }

    private async Task ServeAsync(FrameChannel channel, string remote, CancellationToken token)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, channel.Closed);
        using var firstDue = new CancellationTokenSource(FirstFrameTimeout, time);
        using var first = CancellationTokenSource.CreateLinkedTokenSource(linked.Token, firstDue.Token);
        FrameRead read;
        try
        {
            read = await channel.ReadAsync(first.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            return;
        }
        if (!TryRegistrationOf(read, channel, remote, out var registration)) return;
        AgentSession? session;
        try
        {
            session = await RegisterAsync(registration, channel, remote, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (linked.Token.IsCancellationRequested)
        {
            return; // the agent gave up on this attempt (or the master stops) before its decision went out: it retries
        }
        if (session is null) return;
        try
        {
            await ServeSessionAsync(session, linked.Token).ConfigureAwait(false);
        }
        finally
        {
            sessions.TryRemove(KeyValuePair.Create(session.Agent, session));
        }
    }

    /// <summary>How long a new connection may take to send its registration.</summary>
    private static readonly TimeSpan FirstFrameTimeout = TimeSpan.FromSeconds(10);

    private bool TryRegistrationOf(FrameRead read, FrameChannel channel, string remote, out AgentMessage registration)
    {
        registration = null!;
        switch (read)
        {
            case FrameRead.Ok { Frame.Message: RegisterAgent or ReregisterAgent } ok:
                registration = ok.Frame.Message;
                return true;
            case FrameRead.Ok ok:
                Refuse(channel, remote, $"expected a registration first, got {ok.Frame.Message.GetType().Name}");
                return false;
            case FrameRead.Malformed bad:
                Refuse(channel, remote, bad.Error);
                return false;
            case FrameRead.Oversized big:
                LogOversized(logger, remote, big.Length, FrameCodec.MaxFrameBytes);
                return false;
            default:
                return false;
        }
    }

    private void Refuse(FrameChannel channel, string remote, string error)
    {
        LogRejected(logger, remote, error);
        channel.TrySend(shell.Term ?? 0, new ProtocolError(error));
    }

    private async Task<AgentSession?> RegisterAsync(AgentMessage registration, FrameChannel channel, string remote, CancellationToken token)
    {
        var (leading, leader) = await LeaderWait.ResolveAsync(registry, shell, time, token).ConfigureAwait(false);
        var term = shell.Term;
        if (!leading || term is null)
        {
            channel.TrySend(registry.Term, new NotLeader(leader?.HttpAddress));
            return null;
        }
        var plan = RegistrationPlan.Of(registration, port => Endpoint(remote, port), registry.LocalRegistry,
            () => new AgentId($"{Guid.NewGuid():N}-S0"));
        switch (plan)
        {
            case RegistrationPlan.Refuse refusal:
                Refuse(channel, remote, refusal.Reason);
                return null;
            case RegistrationPlan.ShutDown shutDown:
                LogToldToShutDown(logger, shutDown.Agent?.Value ?? remote, shutDown.Reason);
                channel.TrySend(term.Value, new ShutdownAgent(shutDown.Reason));
                return null;
        }
        var (info, input, again) = (RegistrationPlan.Proceed)plan;
        // The session stands before the decision runs, holding what the decision sends the agent until it opens.
        var session = new AgentSession(info.Id, term.Value, channel, remote);
        var previous = sessions.GetValueOrDefault(info.Id);
        sessions[info.Id] = session;
        var opened = false;
        try
        {
            var effects = await shell.RunInTermAsync(term.Value, input, token).ConfigureAwait(false);
            if (effects is null)
            {
                channel.TrySend(term.Value, new NotLeader(null));
                return null;
            }
            if (effects.OfType<AgentRegistrationRefused>().FirstOrDefault(r => r.Agent == info.Id) is { } refused)
            {
                // Not registered: the agent retries, and its next attempt meets the registry's view (gone, full, admitted...).
                Refuse(channel, remote, $"agent {info.Id} is not registered: {refused.Reason}");
                return null;
            }
            // The agent gave up on this attempt while its admission was written: it is retrying on another connection.
            if (channel.Closed.IsCancellationRequested) return null;
            if (previous is not null) _ = previous.Channel.CloseAsync(TimeSpan.Zero);
            sessions[info.Id] = session; // a repeated attempt may have stood in meanwhile (and been refused)
            session.Open(new AgentRegistered(info.Id));
            opened = true;
            LogRegistered(logger, info.Id.Value, remote, again, term.Value);
            return session;
        }
        finally
        {
            // Not registered by this attempt: the session it stood up goes, and the one it displaced (still open) comes back.
            if (!opened && sessions.TryRemove(KeyValuePair.Create(info.Id, session)) && previous is { Channel.Closed.IsCancellationRequested: false })
                sessions.TryAdd(info.Id, previous);
        }
    }

    /// <summary>The agent's address for offers: the IP it connected from, and the HTTP port it advertises.</summary>
    private static string Endpoint(string remote, int port)
    {
        var ip = System.Net.IPEndPoint.TryParse(remote, out var endpoint) ? endpoint.Address.ToString() : remote;
        return $"{ip}:{port}";
    }

    private async Task ServeSessionAsync(AgentSession session, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            FrameRead read;
            try
            {
                read = await session.Channel.ReadAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                return;
            }
            switch (read)
            {
                case FrameRead.Ok { Frame.Message: var message }:
                    session.MarkSeen();
                    if (!await HandleAsync(session, message, token).ConfigureAwait(false)) return;
                    continue;
                case FrameRead.Malformed bad:
                    LogRejected(logger, session.Remote, bad.Error);
                    session.TrySend(new ProtocolError(bad.Error));
                    continue;
                case FrameRead.Oversized big:
                    LogOversized(logger, session.Remote, big.Length, FrameCodec.MaxFrameBytes);
                    return;
                default:
                    return;
            }
        }
    }

    /// <summary>
    /// Liveness for every session from one loop: each ping interval the leader tells its core, in one input,
    /// which agents of its term sent anything since the last interval, and pings those that did not. An agent
    /// pings on its own, so per agent that is its ping and our pong, and no decision (before: pings both ways,
    /// a timer per session and two core decisions per agent each second, 20,000 a second at 10,000 agents).
    /// </summary>
    private async Task KeepAliveAsync(CancellationToken token)
    {
        using var timer = new PeriodicTimer(pingInterval, time);
        long sequence = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            {
                EndStaleSessions(shell.Term);
                if (shell.Term is not { } term) continue;
                var ping = new Ping(++sequence);
                List<AgentId>? seen = null;
                foreach (var session in sessions.Values)
                {
                    if (session.Term != term) continue;
                    // An agent pings on its own (and hears our pong): only one that fell silent is asked.
                    if (session.TakeSeen()) (seen ??= []).Add(session.Agent);
                    else session.TrySend(ping);
                }
                try
                {
                    // Sent with nobody heard too: each report an agent is absent from counts as a ping it missed.
                    await shell.RunInTermAsync(term, new AgentsSeen(seen ?? []), token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogLivenessFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) { /* the hub is disposed */ }
    }

    /// <summary>One message of a registered agent; false when the session must end.</summary>
    private async Task<bool> HandleAsync(AgentSession session, AgentMessage message, CancellationToken token)
    {
        MasterInput input;
        switch (message)
        {
            case Ping ping:
                session.TrySend(new Pong(ping.Sequence));
                return true; // seen: the liveness loop tells the core
            case Pong:
                return true;
            case StatusUpdate update:
                if (!registry.LocalRegistry.Frameworks.ContainsKey(update.Framework))
                    LogUnknownFramework(logger, update.Framework.Value, update.Task.Value, session.Agent.Value);
                input = AgentWire.InputOf(session.Agent, update)!;
                break;
            case ExecutorToFramework or ExecutorExited:
                input = AgentWire.InputOf(session.Agent, message)!;
                break;
            case ProtocolError error:
                LogPeerError(logger, session.Agent.Value, error.Message);
                return true;
            default:
                LogRejected(logger, session.Remote, $"unexpected {message.GetType().Name} from a registered agent");
                session.TrySend(new ProtocolError($"unexpected {message.GetType().Name}"));
                return true;
        }
        return await shell.RunInTermAsync(session.Term, input, token).ConfigureAwait(false) is not null;
    }

    private void OnLostLeadership(long term)
    {
        foreach (var session in sessions.Values.Where(s => s.Term <= term)) EndNotLeading(session);
    }

    /// <summary>
    /// Sessions of a term this master does not lead (any, when <paramref name="leading"/> is null). The loss of
    /// leadership ends them as it is heard, but a registration decided just before can stand its session up again
    /// after that (seen at 10,000 agents with leadership changing under load: 2,824 agents held by a follower,
    /// never told to look for the leader); each ping interval ends what is left.
    /// </summary>
    private void EndStaleSessions(long? leading)
    {
        foreach (var session in sessions.Values)
            if (session.Term != leading) EndNotLeading(session);
    }

    private void EndNotLeading(AgentSession session)
    {
        session.TrySend(new NotLeader(null));
        sessions.TryRemove(KeyValuePair.Create(session.Agent, session));
        _ = session.Channel.CloseAsync(TimeSpan.FromMilliseconds(200));
    }

    public void Dispose()
    {
        registry.LostLeadership -= OnLostLeadership;
        stopping.Cancel();
        liveness.Wait(); // ends at the cancellation: its only waits (the timer, the core) take the token
        stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {Agent} at {Remote} registered (re-registration: {Again}) in term {Term}")]
    private static partial void LogRegistered(ILogger logger, string agent, string remote, bool again, long term);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a frame from agent connection {Remote}: {Error}")]
    private static partial void LogRejected(ILogger logger, string remote, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropping agent connection {Remote}: it sent a {Length}-byte frame (limit {Limit})")]
    private static partial void LogOversized(ILogger logger, string remote, long length, int limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {Agent} missed its pings and was marked unreachable; ended its session so that it re-registers")]
    private static partial void LogEndedUnreachable(ILogger logger, string agent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Told agent {Agent} to shut down: {Reason}")]
    private static partial void LogToldToShutDown(ILogger logger, string agent, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Status update for unknown framework {Framework} (task {Task}, agent {Agent}): acknowledged on its behalf")]
    private static partial void LogUnknownFramework(ILogger logger, string framework, string task, string agent);

    [LoggerMessage(Level = LogLevel.Error, Message = "Telling the core which agents are alive failed; trying again next interval")]
    private static partial void LogLivenessFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {Agent} reported a protocol error: {Error}")]
    private static partial void LogPeerError(ILogger logger, string agent, string error);
}
