using System.Collections.Immutable;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Replication.Registry;

public sealed partial class Registry
{
    public const int ImageVersion = 1;

    /// <summary>The registry as one value, every list sorted by id (ordinal).</summary>
    public RegistryImage ToImage() => new(
        ImageVersion,
        [.. Agents.Values.OrderBy(a => a.Info.Id.Value, StringComparer.Ordinal)],
        [.. Frameworks.Values.OrderBy(f => f.Id.Value, StringComparer.Ordinal)],
        [.. Weights.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => new RoleWeight(w.Key, w.Value))],
        [.. Quotas.Values.OrderBy(q => q.Role, StringComparer.Ordinal)])
    {
        Machines = ScheduledMachines(),
    };

    /// <summary>Rebuilds a registry from an image; throws <see cref="InvalidDataException"/> on duplicates or a bad version.</summary>
    public static Registry FromImage(RegistryImage image, RegistryLimits? limits = null)
    {
        if (image.Version != ImageVersion) throw new InvalidDataException($"unsupported registry image version {image.Version}");
        try
        {
            return new Registry(
                image.Agents.ToImmutableDictionary(a => a.Info.Id),
                image.Frameworks.ToImmutableDictionary(f => f.Id),
                image.Weights.ToImmutableDictionary(w => w.Role, w => w.Weight, StringComparer.Ordinal),
                image.Quotas.ToImmutableDictionary(q => q.Role, StringComparer.Ordinal),
                (image.Machines ?? []).ToImmutableDictionary(m => m.Id),
                limits ?? RegistryLimits.Default);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException("registry image repeats a key: " + e.Message, e);
        }
    }

    /// <summary>Rebuilds a registry from the records of the durable store (any order).</summary>
    public static Registry FromRecords(IEnumerable<object> records, RegistryLimits? limits = null)
    {
        var agents = ImmutableDictionary.CreateBuilder<AgentId, AgentRecord>();
        var frameworks = ImmutableDictionary.CreateBuilder<FrameworkId, FrameworkRecord>();
        var weights = ImmutableDictionary.CreateBuilder<string, double>(StringComparer.Ordinal);
        var quotas = ImmutableDictionary.CreateBuilder<string, QuotaRecord>(StringComparer.Ordinal);
        var machines = ImmutableDictionary.CreateBuilder<MachineId, MachineRecord>();
        foreach (var record in records)
        {
            switch (record)
            {
                case AgentRecord a: agents[a.Info.Id] = a; break;
                case FrameworkRecord f: frameworks[f.Id] = f; break;
                case RoleWeight w: weights[w.Role] = w.Weight; break;
                case QuotaRecord q: quotas[q.Role] = q; break;
                case MachineRecord m: machines[m.Id] = m; break;
                default: throw new InvalidDataException($"unexpected registry record {record?.GetType().Name}");
            }
        }
        return new Registry(agents.ToImmutable(), frameworks.ToImmutable(), weights.ToImmutable(), quotas.ToImmutable(), machines.ToImmutable(),
            limits ?? RegistryLimits.Default);
    }

    /// <summary>Every record with its key, in key order.</summary>
    public IEnumerable<(RegistryKey Key, object Record)> AllRecords()
    {
        var image = ToImage();
        foreach (var a in image.Agents) yield return (KeyOf(a.Info.Id), a);
        foreach (var f in image.Frameworks) yield return (KeyOf(f.Id), f);
        foreach (var w in image.Weights) yield return (new RegistryKey(RegistryKeyKind.Weight, w.Role), w);
        foreach (var q in image.Quotas) yield return (new RegistryKey(RegistryKeyKind.Quota, q.Role), q);
        foreach (var m in image.Machines) yield return (KeyOf(m.Id), m);
    }
}
