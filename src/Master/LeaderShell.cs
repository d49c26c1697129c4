using Mesos.HA.Master.Allocation;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.Replication;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Master;

/// <summary>
/// Hosts the <see cref="MasterCore"/> while this master leads. On becoming leader it builds a fresh
/// core (offer ids prefixed by the term), opens the agent re-registration window for the agents the
/// registry holds, and runs the periodic work: allocation, ping and failover-timeout checks, offer
/// expiry. Registry effects are written through Raft; the rest goes to the <see cref="IEffectSink"/>.
/// On losing leadership everything leader-only stops at once and the core is dropped. All access to
/// the core is serialised through one lock, so the core is never called concurrently.
/// </summary>
public sealed partial class LeaderShell : IAsyncDisposable
{
    private readonly ReplicatedRegistry registry;
    private readonly LeaderShellOptions options;
    private readonly TimeProvider time;
    private readonly IEffectSink sink;
    private readonly ILogger logger;
    private readonly SemaphoreSlim gate = new(1, 1);
    // Signalled after each decision: agents added, resources recovered, frameworks subscribed or
    // revived all make an allocation worth running now rather than at the next interval.
    private readonly SemaphoreSlim allocationWanted = new(0, 1);
    private Leadership? current;
    private int leaderships;

    public LeaderShell(ReplicatedRegistry registry, LeaderShellOptions options, TimeProvider time, IEffectSink sink, ILogger logger)
    {
        this.registry = registry;
        this.options = options;
        this.time = time;
        this.sink = sink;
        this.logger = logger;
        registry.BecameLeader += OnBecameLeader;
        registry.LostLeadership += OnLostLeadership;
        if (registry.IsLeader) OnBecameLeader(new LeadershipTerm(registry.Term, CancellationToken.None));
    }

    /// <summary>How many times this master started leading (each start builds a fresh core).</summary>
    public int LeadershipsStarted => Volatile.Read(ref leaderships);

    /// <summary>The term this shell currently leads in, or null.</summary>
    public long? Term => Volatile.Read(ref current)?.Term;

    /// <summary>
    /// Runs one decision on the core (a message from an agent or framework) and carries out its
    /// effects. Throws <see cref="NotLeaderException"/> when this master does not lead.
    /// </summary>
    public async Task<IReadOnlyList<Effect>> RunAsync(Func<MasterCore, DateTimeOffset, IReadOnlyList<Effect>> decision,
        CancellationToken token = default, bool allocate = true)
    {
        var leadership = Volatile.Read(ref current) ?? throw new NotLeaderException(registry.Leader);
        var effects = await DecideAsync(leadership, decision, token).ConfigureAwait(false)
            ?? throw new NotLeaderException(registry.Leader);
        if (allocate) RequestAllocation();
        return effects;
    }

    /// <summary>Runs a decision only if this master still leads in <paramref name="term"/>; null otherwise.</summary>
    public async Task<IReadOnlyList<Effect>?> RunInTermAsync(long term, Func<MasterCore, DateTimeOffset, IReadOnlyList<Effect>> decision,
        CancellationToken token = default, bool allocate = true)
    {
        var leadership = Volatile.Read(ref current);
        if (leadership is null || leadership.Term != term) return null;
        var effects = await DecideAsync(leadership, decision, token).ConfigureAwait(false);
        if (effects is not null && allocate) RequestAllocation();
        return effects;
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
    public void RequestAllocation()
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
        var core = new MasterCore(new MasterCoreOptions
        {
            OfferIdPrefix = prefix, OfferTimeout = options.OfferTimeout,
            AgentPingTimeout = options.AgentPingInterval, MaxAgentPingTimeouts = options.MaxAgentPingTimeouts,
            DropTerminalUpdates = registry.Options.InjectedBugs.HasFlag(InjectedBugs.DropTerminalUpdates),
        });
        var now = time.GetUtcNow();
        var active = snapshot.Agents.Values.Where(a => a.Status == AgentStatus.Active).Select(a => a.Info.Id).ToArray();
        core.StartReregistrationWindow(active, options.AgentReregisterTimeout, now);
        var recovered = new List<Effect>();
        foreach (var f in snapshot.Frameworks.Values.OrderBy(f => f.Id.Value, StringComparer.Ordinal))
            recovered.AddRange(core.RecoverFramework(f.Id, f.Info.Roles, f.Info.Capabilities.Contains("PARTITION_AWARE"),
                TimeSpan.FromMilliseconds(f.FailoverTimeoutMs),
                f.DisconnectedAtMs is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null, now));
        var stop = registry.Options.InjectedBugs.HasFlag(InjectedBugs.DeposedLeaderKeepsOffering)
            ? new CancellationTokenSource() // injected bug: this leadership outlives the Raft term
            : CancellationTokenSource.CreateLinkedTokenSource(term.Token);
        var leadership = new Leadership(term.Term, core, stop) { ElectedAt = time.GetUtcNow() };
        Interlocked.Exchange(ref current, leadership)?.Stop();
        Interlocked.Increment(ref leaderships);
        LogLeading(logger, term.Term, active.Length);
        leadership.Loop = Task.Run(async () =>
        {
            await DispatchAsync(leadership, recovered).ConfigureAwait(false);
            await PeriodicWorkAsync(leadership).ConfigureAwait(false);
        });
    }

    private void OnLostLeadership(long term)
    {
        var leadership = Volatile.Read(ref current);
        if (leadership is null || leadership.Term != term) return;
        if (registry.Options.InjectedBugs.HasFlag(InjectedBugs.DeposedLeaderKeepsOffering)) return; // injected bug: keeps leading
        Interlocked.CompareExchange(ref current, null, leadership);
        leadership.Stop();
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
                await DecideAsync(leadership, (core, now) =>
                [
                    .. core.CheckReregistration(now),
                    .. core.CheckAgents(now),
                    .. core.CheckFrameworks(now),
                    .. core.ExpireOffers(now),
                    .. core.Allocate(registryNow.Weights, Quotas(registryNow), now),
                ], token).ConfigureAwait(false);
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

    /// <summary>Runs one decision under the lock and carries out its effects; null when this leadership has ended.</summary>
    private async Task<IReadOnlyList<Effect>?> DecideAsync(Leadership leadership,
        Func<MasterCore, DateTimeOffset, IReadOnlyList<Effect>> decision, CancellationToken token)
    {
        IReadOnlyList<Effect> effects;
        await gate.WaitAsync(token).ConfigureAwait(false);
        try
        {
            if (leadership.Stopped.IsCancellationRequested) return null;
            effects = decision(leadership.Core, time.GetUtcNow());
        }
        finally
        {
            gate.Release();
        }
        await DispatchAsync(leadership, effects).ConfigureAwait(false);
        return effects;
    }

    private async Task DispatchAsync(Leadership leadership, IReadOnlyList<Effect> effects)
    {
        foreach (var effect in effects)
        {
            if (leadership.Stopped.IsCancellationRequested) return; // a deposed leader sends nothing more
            LogEffect(logger, leadership.Term, effect);
            if (effect is AgentOvercommitted over)
            {
                LogOvercommitted(logger, leadership.Term, over.Agent.Value, over.Held.ToString(), over.Total.ToString());
            }
            else if (effect is ProposeRegistry write)
            {
                try
                {
                    var proposed = time.GetTimestamp();
                    var result = await registry.ProposeAsync(write.Command, leadership.Stopped.Token).ConfigureAwait(false);
                    Metrics.RegistryWrites.Record(time.GetElapsedTime(proposed));
                    if (!result.Succeeded) LogRegistryRejected(logger, write.Command.GetType().Name, result.Message);
                }
                catch (Exception e) when (e is NotLeaderException or OperationCanceledException)
                {
                    return;
                }
            }
            else
            {
                sink.Publish(leadership.Term, effect);
            }
        }
    }

    private static IReadOnlyDictionary<string, RoleQuota> Quotas(Replication.Registry.Registry snapshot) =>
        snapshot.Quotas.ToDictionary(q => q.Key, q => new RoleQuota(
            q.Value.Guarantees.Length == 0 ? Resources.Empty : ResourceText.Parse(q.Value.Guarantees),
            q.Value.Limits.Length == 0 ? Resources.Empty : ResourceText.Parse(q.Value.Limits)));

    public async ValueTask DisposeAsync()
    {
        registry.BecameLeader -= OnBecameLeader;
        registry.LostLeadership -= OnLostLeadership;
        var leadership = Interlocked.Exchange(ref current, null);
        if (leadership is not null)
        {
            leadership.Stop();
            if (leadership.Loop is { } loop) await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>One term of leadership: its core and the token that ends all of its work.</summary>
    private sealed class Leadership(long term, MasterCore core, CancellationTokenSource stopped)
    {
        public long Term { get; } = term;
        public MasterCore Core { get; } = core;
        public CancellationTokenSource Stopped { get; } = stopped;
        public Task? Loop { get; set; }
        public DateTimeOffset ElectedAt { get; init; }

        public void Stop()
        {
            try { Stopped.Cancel(); } catch (ObjectDisposedException) { }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Leading in term {Term}: {Agents} agents have the re-registration window to come back")]
    private static partial void LogLeading(ILogger logger, long term, int agents);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped acting as leader of term {Term}")]
    private static partial void LogStopped(ILogger logger, long term);

    [LoggerMessage(Level = LogLevel.Trace, Message = "Term {Term}: {Effect}")]
    private static partial void LogEffect(ILogger logger, long term, Effect effect);

    [LoggerMessage(Level = LogLevel.Error, Message = "The leader's periodic pass failed")]
    private static partial void LogPeriodicFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Term {Term}: agent {Agent} holds {Held} in offers and live tasks, more than its {Total}; nothing more is offered from it")]
    private static partial void LogOvercommitted(ILogger logger, long term, string agent, string held, string total);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The registry refused {Command}: {Reason}")]
    private static partial void LogRegistryRejected(ILogger logger, string command, string reason);
}
