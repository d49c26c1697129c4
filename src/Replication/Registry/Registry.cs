using System.Collections.Immutable;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Replication.Registry;

/// <summary>What applying one command produced: the next registry, the result, and the records it touched.</summary>
public readonly record struct ApplyOutcome(Registry Next, CommandResult Result, ImmutableArray<RegistryKey> Touched);

/// <summary>
/// The replicated registry: admitted agents, frameworks, role weights, quotas and the maintenance schedule. Immutable and
/// pure: <see cref="Apply"/> returns a new registry and never reads a clock, so every master that
/// applies the same log computes the same registry. Old versions stay valid, which is what makes
/// a snapshot at an exact log index free to keep.
/// </summary>
public sealed partial class Registry
{
    public static readonly Registry Empty = new(
        ImmutableDictionary<AgentId, AgentRecord>.Empty,
        ImmutableDictionary<FrameworkId, FrameworkRecord>.Empty,
        ImmutableDictionary<string, double>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<string, QuotaRecord>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<MachineId, MachineRecord>.Empty,
        RegistryLimits.Default);

    private Registry(
        ImmutableDictionary<AgentId, AgentRecord> agents,
        ImmutableDictionary<FrameworkId, FrameworkRecord> frameworks,
        ImmutableDictionary<string, double> weights,
        ImmutableDictionary<string, QuotaRecord> quotas,
        ImmutableDictionary<MachineId, MachineRecord> machines,
        RegistryLimits limits)
    {
        Machines = machines;
        Agents = agents;
        Frameworks = frameworks;
        Weights = weights;
        Quotas = quotas;
        Limits = limits;
    }

    public ImmutableDictionary<AgentId, AgentRecord> Agents { get; }
    public ImmutableDictionary<FrameworkId, FrameworkRecord> Frameworks { get; }
    /// <summary>Roles whose weight is not the default 1.</summary>
    public ImmutableDictionary<string, double> Weights { get; }
    public ImmutableDictionary<string, QuotaRecord> Quotas { get; }
    /// <summary>The machines of the maintenance schedule (DRAINING or DOWN); a machine not here is UP.</summary>
    public ImmutableDictionary<MachineId, MachineRecord> Machines { get; }
    public RegistryLimits Limits { get; }

    public Registry WithLimits(RegistryLimits limits) => new(Agents, Frameworks, Weights, Quotas, Machines, limits);

    /// <summary>A copy holding only these frameworks: a picture for a reader who may not see them all (never applied to).</summary>
    public Registry WithFrameworks(ImmutableDictionary<FrameworkId, FrameworkRecord> frameworks) => new(Agents, frameworks, Weights, Quotas, Machines, Limits);

    /// <summary>Applies one command. Commands that do not fit the registry are rejected and change nothing.</summary>
    public ApplyOutcome Apply(RegistryCommand command) => command switch
    {
        AdmitAgent c => ApplyAdmitAgent(c),
        MarkAgentUnreachable c => ApplyMarkAgentUnreachable(c),
        ReadmitAgent c => ApplyReadmitAgent(c),
        MarkAgentGone c => ApplyMarkAgentGone(c),
        RemoveAgent c => ApplyRemoveAgent(c),
        AddFramework c => ApplyAddFramework(c),
        UpdateFramework c => ApplyUpdateFramework(c),
        RemoveFramework c => ApplyRemoveFramework(c),
        SetWeights c => ApplySetWeights(c),
        SetQuota c => ApplySetQuota(c),
        DeactivateAgent c => ApplyMaintenance(c.AgentId, m => m ?? new AgentMaintenance(Draining: false, MaxGraceMs: null, MarkGone: false, Drained: false)),
        DrainAgent c => ApplyMaintenance(c.AgentId, m => m is { Draining: true, Drained: true } && m.MaxGraceMs == c.MaxGraceMs && m.MarkGone == c.MarkGone
            ? m
            : new AgentMaintenance(Draining: true, c.MaxGraceMs, c.MarkGone, Drained: m is { Draining: true, Drained: true })),
        ReactivateAgent c => ApplyMaintenance(c.AgentId, _ => null),
        MarkAgentDrained c => ApplyMaintenance(c.AgentId, m => m is { Draining: true } ? m with { Drained = true } : m),
        UpdateMaintenanceSchedule c => ApplyUpdateSchedule(c),
        StartMaintenance c => ApplyStartMaintenance(c),
        StopMaintenance c => ApplyStopMaintenance(c),
        SetInverseOfferStatus c => ApplyInverseOfferStatus(c),
        _ => Reject($"unknown command type {command?.GetType().Name ?? "null"}"),
    };

    /// <summary>The weight of a role (1 unless set).</summary>
    public double WeightOf(string role) => Weights.TryGetValue(role, out var w) ? w : 1.0;

    private ApplyOutcome Reject(string message) => new(this, CommandResult.Rejected(message), []);

    private ApplyOutcome NoChange(string message) => new(this, CommandResult.Unchanged(message), []);

    private static ApplyOutcome Changed(Registry next, params RegistryKey[] touched) =>
        new(next, CommandResult.Applied(), [.. touched]);

    private Registry With(
        ImmutableDictionary<AgentId, AgentRecord>? agents = null,
        ImmutableDictionary<FrameworkId, FrameworkRecord>? frameworks = null,
        ImmutableDictionary<string, double>? weights = null,
        ImmutableDictionary<string, QuotaRecord>? quotas = null,
        ImmutableDictionary<MachineId, MachineRecord>? machines = null) =>
        new(agents ?? Agents, frameworks ?? Frameworks, weights ?? Weights, quotas ?? Quotas, machines ?? Machines, Limits);

    /// <summary>Reads a record by key, or null if absent; used to write touched records to the durable store.</summary>
    public object? Find(RegistryKey key) => key.Kind switch
    {
        RegistryKeyKind.Agent => Agents.GetValueOrDefault(new AgentId(key.Id)),
        RegistryKeyKind.Framework => Frameworks.GetValueOrDefault(new FrameworkId(key.Id)),
        RegistryKeyKind.Weight => Weights.TryGetValue(key.Id, out var w) ? new RoleWeight(key.Id, w) : null,
        RegistryKeyKind.Quota => Quotas.GetValueOrDefault(key.Id),
        RegistryKeyKind.Machine => Machines.Values.FirstOrDefault(m => m.Id.Key == key.Id),
        _ => throw new ArgumentOutOfRangeException(nameof(key)),
    };
}
