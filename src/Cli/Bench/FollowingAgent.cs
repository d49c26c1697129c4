using System.Diagnostics;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Cli.Bench;

/// <summary>
/// A simulated agent that follows the leader as the real one does (<c>MasterLink</c>): it registers, and
/// on a lost channel or <see cref="NotLeader"/> tries the named leader or the master after the lost one,
/// with the same backoff, and re-registers with <see cref="ReregisterAgent"/> carrying the tasks it
/// holds. Tasks it is given run until killed (one TASK_RUNNING update each). Cheap by design, so that a
/// bench process holds tens of thousands: one socket and one read loop each, no timer of its own (the
/// <see cref="AgentFleet"/> pings every agent and drops silent channels from one loop).
/// State is touched only by the agent's own loop, except the fields the fleet reads (volatile).
/// </summary>
internal sealed class FollowingAgent(int index, string resources, AgentFleet fleet)
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5); // as the real agent: 3 pings + the 2 s leader wait
    private readonly List<HeldTask> tasks = [];
    private AgentId? id;
    private long highestTerm;
    private int nextMaster;
    private FrameChannel? channel;
    private long lastHeard;
    private long term;
    private long registeredAt;

    public int Index => index;

    /// <summary>The channel to the master it is registered with, null while it looks for the leader.</summary>
    public FrameChannel? Channel => Volatile.Read(ref channel);

    /// <summary>The term of the leader it last registered with (0: never).</summary>
    public long Term => Volatile.Read(ref term);

    /// <summary>When (<see cref="Stopwatch.GetTimestamp"/>) it last heard <see cref="AgentRegistered"/>.</summary>
    public long RegisteredAt => Volatile.Read(ref registeredAt);

    /// <summary>When (<see cref="Stopwatch.GetTimestamp"/>) it last heard from its master.</summary>
    public long LastHeard => Volatile.Read(ref lastHeard);

    public int TaskCount => tasks.Count;

    /// <summary>Follows the leader until <paramref name="token"/> is cancelled, starting with <paramref name="first"/>.</summary>
    public async Task RunAsync(string first, CancellationToken token)
    {
        string? hint = first;
        var failures = 0;
        while (!token.IsCancellationRequested)
        {
            var address = hint ?? fleet.Masters[nextMaster++ % fleet.Masters.Count];
            hint = null;
            Attempt attempt;
            try
            {
                attempt = await RegisterAsync(address, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
            {
                attempt = new Attempt(null, address, null, e.Message);
            }
            if (attempt.Channel is { } registered)
            {
                failures = 0;
                ResendUnacknowledged(registered);
                await ServeAsync(registered, token).ConfigureAwait(false);
                // Start over with the master after the one lost: it is likely dead, and any other names the new leader.
                var lost = IndexOf(attempt.Address);
                if (lost >= 0) nextMaster = lost + 1;
                continue;
            }
            hint = attempt.Hint;
            fleet.NoteFailedAttempt(attempt.Error ?? "refused");
            try
            {
                await Task.Delay(fleet.Backoff(failures++), token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private sealed record Attempt(FrameChannel? Channel, string Address, string? Hint, string? Error);

    /// <summary>One registration attempt, bounded in time, following one NotLeader redirect at once (as the real agent).</summary>
    private async Task<Attempt> RegisterAsync(string address, CancellationToken token)
    {
        using var due = CancellationTokenSource.CreateLinkedTokenSource(token);
        due.CancelAfter(AttemptTimeout);
        for (var hop = 0; ; hop++)
        {
            Stream stream;
            try
            {
                stream = await AgentChannelClient.OpenAsync(fleet.Http, address, due.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                return new Attempt(null, address, null, $"{address}: no channel within {AttemptTimeout.TotalSeconds} s");
            }
            var frames = new FrameChannel(stream, TimeProvider.System, outgoingCapacity: 1024);
            var keep = false;
            try
            {
                frames.TrySend(0, Registration());
                FrameRead read;
                try
                {
                    read = await frames.ReadAsync(due.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    return new Attempt(null, address, null, $"{address}: no answer to the registration within {AttemptTimeout.TotalSeconds} s");
                }
                switch (read)
                {
                    case FrameRead.Ok { Frame: { Message: AgentRegistered registered } frame } when frame.Term >= highestTerm:
                        highestTerm = frame.Term;
                        id = registered.Agent;
                        keep = true;
                        Volatile.Write(ref lastHeard, Stopwatch.GetTimestamp());
                        Volatile.Write(ref channel, frames);
                        Volatile.Write(ref registeredAt, Stopwatch.GetTimestamp());
                        Volatile.Write(ref term, frame.Term);
                        fleet.NoteRegistered(this);
                        return new Attempt(frames, address, null, null);
                    case FrameRead.Ok { Frame.Message: NotLeader { LeaderHttp: { Length: > 0 } next } } when hop == 0 && next != address:
                        address = next;
                        continue;
                    case FrameRead.Ok { Frame.Message: NotLeader notLeader }:
                        return new Attempt(null, address, notLeader.LeaderHttp, $"{address} does not lead (leader: {notLeader.LeaderHttp ?? "unknown"})");
                    case FrameRead.Ok { Frame.Message: ShutdownAgent shutdown }:
                        fleet.NoteShutDown(this, shutdown.Reason);
                        return new Attempt(null, address, null, $"shut down: {shutdown.Reason}");
                    case FrameRead.Ok ok:
                        return new Attempt(null, address, null, $"{address} answered the registration with {ok.Frame.Message}");
                    default:
                        return new Attempt(null, address, null, $"{address} closed the channel during registration ({read.GetType().Name})");
                }
            }
            finally
            {
                if (!keep) await frames.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private AgentMessage Registration() => id is { } known
        ? new ReregisterAgent(new AgentInfo(known, $"sim-{index}", "127.0.0.1:0", resources, Empty), [.. tasks.Select(t => t.Acknowledged ? t.Report : t.Report with { Unacknowledged = TaskState.Running })])
        : new RegisterAgent($"sim-{index}", resources, Empty, 0, token);

    // As a real agent: one token for every first-registration attempt, so a retried one is not a second agent.
    private readonly string token = $"{Guid.NewGuid():N}{Guid.NewGuid():N}";

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    /// <summary>Serves the leader's frames until the channel closes, the master steps down or the run ends.</summary>
    private async Task ServeAsync(FrameChannel frames, CancellationToken token)
    {
        try
        {
            while (!token.IsCancellationRequested)
            {
                var read = await frames.ReadAsync(token).ConfigureAwait(false);
                if (read is FrameRead.Malformed) continue;
                if (read is not FrameRead.Ok { Frame: var frame }) return;
                if (frame.Term < highestTerm) continue; // a master of an older term: ignored, as the real agent does
                highestTerm = frame.Term;
                Volatile.Write(ref lastHeard, Stopwatch.GetTimestamp());
                if (!Handle(frames, frame.Message)) return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // the connection is gone (or the run ended): look for the leader again
        }
        finally
        {
            Volatile.Write(ref channel, null);
            fleet.NoteLost(this);
            await frames.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>One message from the leader; false when the session must end.</summary>
    private bool Handle(FrameChannel frames, AgentMessage message)
    {
        switch (message)
        {
            case Ping ping:
                frames.TrySend(0, new Pong(ping.Sequence));
                return true;
            case NotLeader:
                return false;
            case RunTask run:
                var held = new HeldTask(new RunningTask(run.Framework, run.Task, run.Role, run.Resources, TaskState.Running), Guid.NewGuid());
                tasks.Add(held);
                fleet.NoteLaunched();
                frames.TrySend(0, new StatusUpdate(run.Framework, run.Task, TaskState.Running, held.Uuid, "", "", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
                return true;
            case AcknowledgeUpdate ack:
                var index = tasks.FindIndex(t => t.Report.Task == ack.Task && t.Uuid == ack.Uuid && !t.Acknowledged);
                if (index >= 0)
                {
                    tasks[index] = tasks[index] with { Acknowledged = true };
                    fleet.NoteAcknowledged();
                }
                return true;
            case Protocol.Agent.KillTask kill:
                var killed = tasks.FindIndex(t => t.Report.Task == kill.Task && t.Report.Framework == kill.Framework);
                if (killed >= 0) tasks.RemoveAt(killed);
                frames.TrySend(0, new StatusUpdate(kill.Framework, kill.Task, TaskState.Killed, Guid.NewGuid(), "killed", "", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
                return true;
            case ShutdownAgent shutdown:
                fleet.NoteShutDown(this, shutdown.Reason);
                return false;
            default:
                return true; // pongs, protocol errors, executor messages: nothing to do
        }
    }

    /// <summary>
    /// As the real agent's update manager: the updates the framework has not acknowledged are sent again to the
    /// master just registered with (a leader lost before the acknowledgement reached this agent, even one the
    /// bench did not kill, would otherwise leave them unacknowledged for good).
    /// </summary>
    private void ResendUnacknowledged(FrameChannel frames)
    {
        foreach (var t in tasks)
            if (!t.Acknowledged)
                frames.TrySend(0, new StatusUpdate(t.Report.Framework, t.Report.Task, t.Report.State, t.Uuid, "", "", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
    }

    private int IndexOf(string address)
    {
        for (var i = 0; i < fleet.Masters.Count; i++)
            if (string.Equals(fleet.Masters[i], address, StringComparison.Ordinal)) return i;
        return -1;
    }

    /// <summary>
    /// A task the agent runs: what its re-registration reports, and the update the framework must acknowledge
    /// (an update not acknowledged yet is reported as such, and sent again to each master it registers with).
    /// </summary>
    private sealed record HeldTask(RunningTask Report, Guid Uuid, bool Acknowledged = false);
}
