using Mesos.HA.Protocol.Http;
using V1 = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.SchedulerDriver;

/// <summary>Maintenance in the v1 JSON: inverse offers and unavailability read into the model, the answers to inverse offers written.</summary>
internal static partial class SchedulerJson
{
    public static V1.Call AcceptInverseOffers(IReadOnlyList<string> inverseOfferIds, Filters? filters) => new()
    {
        Type = V1.Call.AcceptInverseOffersType,
        AcceptInverseOffers = InverseOffersCall(inverseOfferIds, filters),
    };

    public static V1.Call DeclineInverseOffers(IReadOnlyList<string> inverseOfferIds, Filters? filters) => new()
    {
        Type = V1.Call.DeclineInverseOffersType,
        DeclineInverseOffers = InverseOffersCall(inverseOfferIds, filters),
    };

    private static V1.InverseOffersCall InverseOffersCall(IReadOnlyList<string> inverseOfferIds, Filters? filters) => new()
    {
        InverseOfferIds = [.. inverseOfferIds.Select(V1.Id.Of)],
        Filters = Filter(filters),
    };

    /// <summary>
    /// An inverse offer as the model takes it; null when it is malformed (no id, no unavailability start,
    /// resources that do not read): it is skipped, and stays outstanding at the master (inverse offers are advisory).
    /// </summary>
    public static InverseOffer? ReadInverseOffer(V1.InverseOffer? offer)
    {
        if (offer?.Id?.Value is not { Length: > 0 } id || ReadUnavailability(offer.Unavailability) is not { } unavailability) return null;
        if (!ResourceJson.TryRead(offer.Resources, out var resources, out _)) return null;
        return new InverseOffer(id, offer.FrameworkId?.Value ?? "", offer.AgentId?.Value, unavailability) { Resources = resources };
    }

    /// <summary>A maintenance window; null when absent or without a start. No duration is until further notice.</summary>
    public static Unavailability? ReadUnavailability(V1.Unavailability? unavailability) =>
        unavailability?.Start?.Nanoseconds is { } start
            ? new Unavailability(FromUnixNanoseconds(start), unavailability.Duration?.Nanoseconds is { } d ? FromNanoseconds(d) : null)
            : null;

    /// <summary>Nanoseconds since the Unix epoch (Mesos' TimeInfo), to the tick (100 ns).</summary>
    public static DateTimeOffset FromUnixNanoseconds(long nanoseconds) => DateTimeOffset.UnixEpoch.AddTicks(nanoseconds / TimeSpan.NanosecondsPerTick);

    /// <summary>Nanoseconds (Mesos' DurationInfo), to the tick (100 ns).</summary>
    public static TimeSpan FromNanoseconds(long nanoseconds) => TimeSpan.FromTicks(nanoseconds / TimeSpan.NanosecondsPerTick);
}
