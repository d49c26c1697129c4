using System.Security.Cryptography;
using MessagePack;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Replication.Registry;

/// <summary>Encodes registry images (snapshots) and single records (durable store values).</summary>
public static class RegistryCodec
{
    private static readonly MessagePackSerializerOptions Options =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    public static byte[] EncodeImage(Registry registry) => MessagePackSerializer.Serialize(registry.ToImage(), Options);

    /// <summary>Decodes a snapshot; throws <see cref="InvalidDataException"/> when it is not a registry image.</summary>
    public static Registry DecodeImage(ReadOnlyMemory<byte> bytes, RegistryLimits? limits = null)
    {
        RegistryImage? image;
        try
        {
            image = MessagePackSerializer.Deserialize<RegistryImage>(bytes, Options);
        }
        catch (MessagePackSerializationException e)
        {
            throw new InvalidDataException("malformed registry snapshot: " + (e.InnerException?.Message ?? e.Message), e);
        }
        return Registry.FromImage(image ?? throw new InvalidDataException("empty registry snapshot"), limits);
    }

    /// <summary>A digest of the registry's content: equal on replicas that hold the same registry.</summary>
    public static string Digest(Registry registry) => Convert.ToHexString(SHA256.HashData(EncodeImage(registry)))[..16];

    public static byte[] EncodeRecord(object record) => record switch
    {
        AgentRecord a => MessagePackSerializer.Serialize(a, Options),
        FrameworkRecord f => MessagePackSerializer.Serialize(f, Options),
        RoleWeight w => MessagePackSerializer.Serialize(w, Options),
        QuotaRecord q => MessagePackSerializer.Serialize(q, Options),
        MachineRecord m => MessagePackSerializer.Serialize(m, Options),
        _ => throw new ArgumentException($"not a registry record: {record?.GetType().Name}", nameof(record)),
    };

    public static object DecodeRecord(RegistryKeyKind kind, ReadOnlyMemory<byte> bytes) => kind switch
    {
        RegistryKeyKind.Agent => MessagePackSerializer.Deserialize<AgentRecord>(bytes, Options),
        RegistryKeyKind.Framework => MessagePackSerializer.Deserialize<FrameworkRecord>(bytes, Options),
        RegistryKeyKind.Weight => MessagePackSerializer.Deserialize<RoleWeight>(bytes, Options),
        RegistryKeyKind.Quota => MessagePackSerializer.Deserialize<QuotaRecord>(bytes, Options),
        RegistryKeyKind.Machine => MessagePackSerializer.Deserialize<MachineRecord>(bytes, Options),
        _ => throw new InvalidDataException($"unknown record kind {kind}"),
    };
}
