using System.Threading.Channels;
using Mesos.HA.Master.Allocation;
using Mesos.HA.Master.Core;
using Mesos.HA.Master.Core.Replay;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.Replication;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Master;

/// <summary>
/// Hosts the <see cref="MasterCore"/> while this master leads. On becoming leader it builds a fresh
/// core (offer ids prefixed by the term) and feeds it <see cref="LeadershipStarted"/> (the agents the
/// registry holds get the re-registration window, its frameworks are recovered), then runs the periodic
/// <see cref="Tick"/>. On losing leadership everything leader-only stops at once and the core is dropped.
/// </summary>
/// <remarks>
/// What is guaranteed: the core handles one input at a time (a lock), and the effects of its decisions
/// leave through one sender per leadership (<see cref="OrderedSender"/>), in decision order. A registry
/// write starts at once; before any message leaves, every write decided before it has settled: its outcome
/// was fed back to the core (<see cref="RegistryWriteCommitted"/> or <see cref="RegistryWriteRefused"/>)
/// and the effects of that decision have left. Plan, commit, apply: an admission takes effect in the core
/// only once committed, a refused one leaves core and registry agreeing, and no message overtakes a
/// registry write decided before it, while writes with no message between them commit as a group. A
/// caller of <see cref="RunInTermAsync"/> returns once its decision's effects, and those of the outcomes
/// fed back for it, have left, and gets them all. A deposed leader's sender stops at once: nothing more
/// leaves, callers still waiting are released, and the core (with whatever it planned and never saw
/// committed) is dropped.
/// </remarks>
public sealed partial class LeaderShell : IAsyncDisposable
{
    private readonly IRegistryLeadership registry;
    private readonly LeaderShellOptions options;
    private readonly TimeProvider time;
    private readonly IEffectSink sink;
    private readonly ILogger logger;
    private readonly SemaphoreSlim gate = new(1, 1);
    // Set by AllocationWanted: the core asks for an allocation before the next interval (requests coalesce).
    private readonly SemaphoreSlim allocationWanted = new(0, 1);
    private Leadership? current;
    private int leaderships;

    public LeaderShell(IRegistryLeadership registry, LeaderShellOptions options, TimeProvider time, IEffectSink sink, ILogger logger)
    {
        this.registry = registry;
        this.options = options;
        this.time = time;
        this.sink = sink;
        this.logger = logger;
        LeaderSignal = new LeaderSignal(registry, time);
        registry.BecameLeader += OnBecameLeader;
        registry.LostLeadership += OnLostLeadership;
        if (registry.IsLeader) OnBecameLeader(new LeadershipTerm(registry.Term, CancellationToken.None));
    }

    /// <summary>Wakes requests held for a leader (<see cref="LeaderWait"/>) when this master starts or stops leading, or learns who leads.</summary>
    internal LeaderSignal LeaderSignal { get; }

    /// <summary>How many times this master started leading (each start builds a fresh core).</summary>
    public int LeadershipsStarted => Volatile.Read(ref leaderships);

    /// <summary>The term this shell currently leads in, or null.</summary>
    public long? Term => Volatile.Read(ref current)?.Term;

    /// <summary>
    /// Feeds one input to the core and returns its effects once they have left. Throws
    /// <see cref="NotLeaderException"/> when this master does not lead.
    /// </summary>
    public async Task<IReadOnlyList<Effect>> RunAsync(MasterInput input, CancellationToken token = default)
    {
        var leadership = Volatile.Read(ref current) ?? throw new NotLeaderException(registry.Leader);
        return await DecideAsync(leadership, input, token).ConfigureAwait(false) ?? throw new NotLeaderException(registry.Leader);
    }

    /// <summary>Feeds one input to the core only if this master still leads in <paramref name="term"/>; null otherwise.</summary>
    public async Task<IReadOnlyList<Effect>?> RunInTermAsync(long term, MasterInput input, CancellationToken token = default)
    {
        var leadership = Volatile.Read(ref current);
        if (leadership is null || leadership.Term != term) return null;
        return await DecideAsync(leadership, input, token).ConfigureAwait(false);
    }

    /// <summary>A read of the core under the lock (no effects); null when this master does not lead.</summary>
    public async Task<T?> ReadAsync<T>(Func<MasterCore, T> read, CancellationToken token = default) where T : class
    {
        var leadership = Volatile.Read(ref current);
        if (leadership is null) return null;
        await gate.WaitAsync(token).ConfigureAwait(false);
        try
        {
            return leadership.Stopped.IsCancellationRequested ? null : read(leadership.Core);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>When this master last started leading (null when it does not lead).</summary>
    public DateTimeOffset? ElectedAt => Volatile.Read(ref current)?.ElectedAt;

    /// <summary>Measurements of the leader's work, for /metrics.</summary>
    public LeaderMetrics Metrics { get; } = new();

    /// <summary>Runs an allocation soon instead of at the next interval (requests coalesce).</summary>
    private void RequestAllocation()
    {
        try { allocationWanted.Release(); }
        catch (SemaphoreFullException) { /* one is already pending */ }
    }

    private void OnBecameLeader(LeadershipTerm term)
    {
        var snapshot = registry.LocalRegistry;
        // Offer ids must never repeat across leaderships (a single-member group keeps term 0 across
        // restarts), so the prefix carries a fresh unique part as well as the term.
        var prefix = $"t{term.Term}-{Guid.NewGuid().ToString("N")[..8]}";
        var coreOptions = new MasterCoreOptions
        {
            OfferIdPrefix = prefix, OfferTimeout = options.OfferTimeout,
            AgentPingTimeout = options.AgentPingInterval, MaxAgentPingTimeouts = options.MaxAgentPingTimeouts,
            DropTerminalUpdates = registry.InjectedBugs.HasFlag(InjectedBugs.DropTerminalUpdates),
        };
        var core = new MasterCore(coreOptions);
        var active = snapshot.Agents.Values.Where(a => a.Status == AgentStatus.Active).Select(a => a.Info.Id).ToArray();
        var started = new LeadershipStarted(active, options.AgentReregisterTimeout,
        [
            .. snapshot.Frameworks.Values.Select(f => new RecoveredFramework(f.Id, f.Info.Roles, f.Info.Capabilities.Contains("PARTITION_AWARE"),
                TimeSpan.FromMilliseconds(f.FailoverTimeoutMs), f.DisconnectedAtMs is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null)),
        ])
        {
            UnreachableAgents = [.. snapshot.Agents.Values.Where(a => a.Status == AgentStatus.Unreachable).Select(a => a.Info.Id)],
            Maintenance = [.. snapshot.Agents.Values.Where(a => a is { Status: not AgentStatus.Gone, Maintenance: not null })
                .OrderBy(a => a.Info.Id.Value, StringComparer.Ordinal).Select(a => new AgentMaintenanceState(a.Info.Id, a.Maintenance!))],
            Machines = snapshot.ScheduledMachines(),
        };
        var stop = registry.InjectedBugs.HasFlag(InjectedBugs.DeposedLeaderKeepsOffering)
            ? new CancellationTokenSource() // injected bug: this leadership outlives the Raft term
            : CancellationTokenSource.CreateLinkedTokenSource(term.Token);
        var leadership = new Leadership(term.Term, core, stop) { ElectedAt = time.GetUtcNow(), Journal = OpenJournal(term.Term, prefix, coreOptions) };
        // The first decision, before anyone else can reach the core: nothing else is queued ahead of its effects.
        leadership.Outbox.Writer.TryWrite(new DecisionInFlight(Handle(leadership, started, leadership.ElectedAt), null));
        Interlocked.Exchange(ref current, leadership)?.Stop();
        Interlocked.Increment(ref leaderships);
        LeaderSignal.Raise();
        LogLeading(logger, term.Term, active.Length);
        leadership.Loop = Task.WhenAll(Task.Run(() => SendLoopAsync(leadership)), Task.Run(() => PeriodicWorkAsync(leadership)));
    }

    private void OnLostLeadership(long term)
    {
        var leadership = Volatile.Read(ref current);
        // Having stopped leading term T, this master leads no term up to T (a newer leadership is left alone).
        if (leadership is null || leadership.Term > term) return;
        if (registry.InjectedBugs.HasFlag(InjectedBugs.DeposedLeaderKeepsOffering)) return; // injected bug: keeps leading
        Interlocked.CompareExchange(ref current, null, leadership);
        leadership.Stop();
        LeaderSignal.Raise();
        LogStopped(logger, term);
    }

    private async Task PeriodicWorkAsync(Leadership leadership)
    {
        var token = leadership.Stopped.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                using (var either = CancellationTokenSource.CreateLinkedTokenSource(token))
                {
                    var interval = Task.Delay(options.AllocationInterval, time, either.Token);
                    var wanted = allocationWanted.WaitAsync(either.Token);
                    var first = await Task.WhenAny(interval, wanted).ConfigureAwait(false);
                    await either.CancelAsync().ConfigureAwait(false);
                    await Task.WhenAll(interval, wanted).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    token.ThrowIfCancellationRequested();
                    // A short pause that only gathers more into one pass (on the shell's clock, so a simulation controls it too).
                    if (first == wanted && options.AllocationBatchDelay > TimeSpan.Zero)
                        await Task.Delay(options.AllocationBatchDelay, time, token).ConfigureAwait(false);
                }
                var registryNow = registry.LocalRegistry;
                var started = time.GetTimestamp();
                await DecideAsync(leadership, new Tick(registryNow.Weights, Quotas(registryNow)), token).ConfigureAwait(false);
                Metrics.AllocationRuns.Record(time.GetElapsedTime(started));
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A bug in one pass must not stop allocation and the checks for the rest of the term.
                LogPeriodicFailed(logger, e);
            }
        }
    }

    /// <summary>
    /// Feeds one input to the core under the lock and queues its effects for the sender before the lock
    /// is released (so they keep decision order); returns them once they have left, or null when this
    /// leadership has ended.
    /// </summary>
    private async Task<IReadOnlyList<Effect>?> DecideAsync(Leadership leadership, MasterInput input, CancellationToken token)
    {
        TaskCompletionSource<IReadOnlyList<Effect>?> sent;
        await gate.WaitAsync(token).ConfigureAwait(false);
        try
        {
            if (leadership.Stopped.IsCancellationRequested) return null;
            var decided = Handle(leadership, input, time.GetUtcNow());
            // A heartbeat decides nothing to send (each agent's, every ping interval: 10,000 a second at 10,000
            // agents): with no effects there is nothing for the sender to order, so its caller need not wait for it.
            if (decided.Count == 0 && input is AgentHeartbeat or AgentsSeen) return decided;
            sent = new TaskCompletionSource<IReadOnlyList<Effect>?>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!leadership.Outbox.Writer.TryWrite(new DecisionInFlight(decided, sent)))
                return null; // the sender has stopped: this leadership ended
        }
        finally
        {
            gate.Release();
        }
        var effects = await sent.Task.WaitAsync(token).ConfigureAwait(false);
        return effects is null || leadership.Stopped.IsCancellationRequested ? null : effects;
    }

    /// <summary>
    /// The leadership's one sender (<see cref="OrderedSender"/>): carries out each decision's effects in
    /// decision order until the leadership ends; when no decision waits, it settles the registry writes in flight.
    /// </summary>
    private async Task SendLoopAsync(Leadership leadership)
    {
        var reader = leadership.Outbox.Reader;
        var sender = new OrderedSender(
            command => WriteRegistryAsync(leadership, command),
            outcome => FeedBackAsync(leadership, outcome),
            effect => CarryOut(leadership, effect),
            effect =>
            {
                LogEffect(logger, leadership.Term, effect);
                try
                {
                    sink.Publish(leadership.Term, effect);
                }
                catch (Exception e)
                {
                    // One transport's bug must not silence the leader: the effect is lost (as a dropped message is), the rest go on.
                    LogPublishFailed(logger, leadership.Term, effect.GetType().Name, e);
                }
            },
            () => leadership.Stopped.IsCancellationRequested,
            () => LeaseHeldAsync(leadership),
            registry.InjectedBugs.HasFlag(InjectedBugs.DropRegistryCommits));
        try
        {
            while (await reader.WaitToReadAsync(leadership.Stopped.Token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var decided))
                    await sender.SendAsync(decided).ConfigureAwait(false);
                if (!await sender.SettleAsync().ConfigureAwait(false)) return;
            }
        }
        catch (OperationCanceledException) when (leadership.Stopped.IsCancellationRequested)
        {
        }
        finally
        {
            // Deposed: nothing more leaves; whoever waits for a decision is released (and told the leadership ended).
            leadership.Outbox.Writer.TryComplete();
            sender.AbandonAll();
            while (reader.TryRead(out var abandoned)) abandoned.Abandon();
        }
    }

    private static readonly Task<bool> Held = Task.FromResult(true);

    /// <summary>How often a leader whose lease lapsed checks whether it was renewed (or leadership lost).</summary>
    private static readonly TimeSpan LeaseRecheck = TimeSpan.FromMilliseconds(10);

    /// <summary>True once the leader lease holds (at once, usually); false when this leadership ends first.</summary>
    private Task<bool> LeaseHeldAsync(Leadership leadership) =>
        registry.IsLeader || registry.InjectedBugs.HasFlag(InjectedBugs.DeposedLeaderKeepsOffering) ? Held : WaitForLeaseAsync(leadership);

    private async Task<bool> WaitForLeaseAsync(Leadership leadership)
    {
        var token = leadership.Stopped.Token;
        while (!registry.IsLeader)
        {
            try
            {
                await Task.Delay(LeaseRecheck, time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
        return !token.IsCancellationRequested;
    }

    private void CarryOut(Leadership leadership, Effect effect)
    {
        LogEffect(logger, leadership.Term, effect);
        switch (effect)
        {
            case AllocationWanted:
                RequestAllocation();
                break;
            case AgentOvercommitted over:
                LogOvercommitted(logger, leadership.Term, over.Agent.Value, over.Held.ToString(), over.Total.ToString());
                break;
        }
    }

    /// <summary>Proposes the write and returns its outcome as the core's next input; null when this leadership ended meanwhile.</summary>
    private async Task<MasterInput?> WriteRegistryAsync(Leadership leadership, RegistryCommand command)
    {
        try
        {
            var proposed = time.GetTimestamp();
            var result = await registry.ProposeAsync(command, leadership.Stopped.Token).ConfigureAwait(false);
            Metrics.RegistryWrites.Record(time.GetElapsedTime(proposed));
            if (result.Succeeded) return new RegistryWriteCommitted(command);
            LogRegistryRejected(logger, command.GetType().Name, result.Message);
            return new RegistryWriteRefused(command, result.Message);
        }
        catch (Exception e) when ((e is NotLeaderException or OperationCanceledException) && leadership.Stopped.IsCancellationRequested)
        {
            return null; // the write is lost with the leadership, and the core with it
        }
        catch (NotLeaderException e)
        {
            // The registry says it does not lead, but this leadership has not ended (its Raft member is
            // restarting, or the end is still on its way): the outcome is unknown. Nothing that waits for the
            // write takes effect here, and the sender goes on, so that later decisions are not left unsent.
            LogRegistryFailed(logger, command.GetType().Name, e);
            return new RegistryWriteRefused(command, "the write's outcome is unknown: " + e.Message);
        }
        catch (Exception e)
        {
            // The outcome is unknown: nothing that waits for the write takes effect here (the registry's
            // view, whatever it is, is what the next leader, or the agent's next registration, starts from).
            LogRegistryFailed(logger, command.GetType().Name, e);
            return new RegistryWriteRefused(command, e.Message);
        }
    }

    /// <summary>The core's decision on a write's outcome, taken under the lock; null when this leadership ended.</summary>
    private async Task<IReadOnlyList<Effect>?> FeedBackAsync(Leadership leadership, MasterInput outcome)
    {
        await gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (leadership.Stopped.IsCancellationRequested) return null;
            try
            {
                return Handle(leadership, outcome, time.GetUtcNow());
            }
            catch (Exception e)
            {
                LogFeedBackFailed(logger, leadership.Term, outcome.GetType().Name, e);
                return [];
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private static IReadOnlyDictionary<string, RoleQuota> Quotas(Replication.Registry.Registry snapshot) =>
        snapshot.Quotas.ToDictionary(q => q.Key, q => new RoleQuota(
            q.Value.Guarantees.Length == 0 ? Resources.Empty : ResourceText.Parse(q.Value.Guarantees),
            q.Value.Limits.Length == 0 ? Resources.Empty : ResourceText.Parse(q.Value.Limits)));

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1) return;
        registry.BecameLeader -= OnBecameLeader;
        registry.LostLeadership -= OnLostLeadership;
        var leadership = Interlocked.Exchange(ref current, null);
        if (leadership is not null)
        {
            leadership.Stop();
            if (leadership.Loop is { } loop) await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        await LeaderSignal.DisposeAsync().ConfigureAwait(false);
    }

    private int disposed;

    /// <summary>One decision of the core (the caller holds the decision lock, or no one else can reach the core yet), journaled when asked.</summary>
    private IReadOnlyList<Effect> Handle(Leadership leadership, MasterInput input, DateTimeOffset now)
    {
        LogInput(logger, leadership.Term, input);
        IReadOnlyList<Effect> effects;
        try
        {
            effects = leadership.Core.Handle(input, now);
        }
        catch (Exception e)
        {
            // The decision most worth replaying: journaled with the failure in place of its effects.
            if (leadership.Journal is not null) Journal(leadership, now, input, null, e);
            throw;
        }
        if (leadership.Journal is not null) Journal(leadership, now, input, effects, null);
        return effects;
    }

    /// <summary>Writes one decision to the leadership's journal; any failure turns the journal off, never the decision.</summary>
    private void Journal(Leadership leadership, DateTimeOffset now, MasterInput input, IReadOnlyList<Effect>? effects, Exception? threw)
    {
        if (leadership.Journal is not { } journal) return;
        lock (journal)
        {
            if (leadership.Journal != journal) return; // closed as the leadership ended
            try
            {
                if (threw is null) journal.Decided(now, input, effects!);
                else journal.Threw(now, input, threw);
                journal.Flush();
            }
            catch (Exception e)
            {
                LogJournalFailed(logger, leadership.Term, e.Message);
                leadership.Journal = null;
                try { journal.Dispose(); } catch (Exception) { /* already failing */ }
            }
        }
    }

    private JournalWriter? OpenJournal(long term, string prefix, MasterCoreOptions coreOptions)
    {
        if (options.RecordInputsDirectory is not { } directory) return null;
        FileStream? file = null;
        try
        {
            Directory.CreateDirectory(directory);
            var path = Path.Combine(directory, $"{prefix}.journal");
            file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
            var journal = new JournalWriter(file, term, coreOptions);
            LogJournal(logger, term, path);
            return journal;
        }
        catch (Exception e)
        {
            LogJournalFailed(logger, term, e.Message);
            file?.Dispose();
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Term {Term}: journaling the core's inputs to {Path}")]
    private static partial void LogJournal(ILogger logger, long term, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Term {Term}: the input journal stopped: {Error}")]
    private static partial void LogJournalFailed(ILogger logger, long term, string error);

    /// <summary>One term of leadership: its core, its decisions waiting to be sent, and the token that ends all of its work.</summary>
    private sealed class Leadership(long term, MasterCore core, CancellationTokenSource stopped)
    {
        /// <summary>The input journal, when asked for (written under the decision lock, closed when the leadership ends).</summary>
        public JournalWriter? Journal { get; set; }

        public long Term { get; } = term;
        public MasterCore Core { get; } = core;
        public Channel<DecisionInFlight> Outbox { get; } = Channel.CreateUnbounded<DecisionInFlight>(new UnboundedChannelOptions { SingleReader = true });
        public CancellationTokenSource Stopped { get; } = stopped;
        public Task? Loop { get; set; }
        public DateTimeOffset ElectedAt { get; init; }

        public void Stop()
        {
            try { Stopped.Cancel(); } catch (ObjectDisposedException) { }
            if (Journal is not { } journal) return;
            lock (journal)
            {
                Journal = null;
                journal.Dispose();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Leading in term {Term}: {Agents} agents have the re-registration window to come back")]
    private static partial void LogLeading(ILogger logger, long term, int agents);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped acting as leader of term {Term}")]
    private static partial void LogStopped(ILogger logger, long term);

    [LoggerMessage(Level = LogLevel.Trace, Message = "Term {Term} input: {Input}")]
    private static partial void LogInput(ILogger logger, long term, MasterInput input);

    [LoggerMessage(Level = LogLevel.Trace, Message = "Term {Term}: {Effect}")]
    private static partial void LogEffect(ILogger logger, long term, Effect effect);

    [LoggerMessage(Level = LogLevel.Error, Message = "The leader's periodic pass failed")]
    private static partial void LogPeriodicFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Term {Term}: agent {Agent} holds {Held} in offers and live tasks, more than its {Total}; nothing more is offered from it")]
    private static partial void LogOvercommitted(ILogger logger, long term, string agent, string held, string total);

    [LoggerMessage(Level = LogLevel.Error, Message = "Term {Term}: delivering {Effect} failed; the leader goes on")]
    private static partial void LogPublishFailed(ILogger logger, long term, string effect, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Term {Term}: the core failed on {Outcome}; the leader goes on")]
    private static partial void LogFeedBackFailed(ILogger logger, long term, string outcome, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing {Command} to the registry failed with an unknown outcome")]
    private static partial void LogRegistryFailed(ILogger logger, string command, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The registry refused {Command}: {Reason}")]
    private static partial void LogRegistryRejected(ILogger logger, string command, string reason);
}
