namespace Mesos.HA.Protocol.Http.V1;

/// <summary>
/// A scheduler event, <c>{"type": "OFFERS", "offers": {...}}</c>: the payload named after the type
/// is set, the others are null. HEARTBEAT has none.
/// </summary>
public sealed record Event
{
    public string? Type { get; init; }
    public SubscribedEvent? Subscribed { get; init; }
    public OffersEvent? Offers { get; init; }
    public InverseOffersEvent? InverseOffers { get; init; }
    public RescindEvent? Rescind { get; init; }
    public RescindInverseOfferEvent? RescindInverseOffer { get; init; }
    public UpdateEvent? Update { get; init; }
    public MessageEvent? Message { get; init; }
    public FailureEvent? Failure { get; init; }
    public ErrorEvent? Error { get; init; }

    public const string SubscribedType = "SUBSCRIBED";
    public const string OffersType = "OFFERS";
    public const string RescindType = "RESCIND";
    public const string InverseOffersType = "INVERSE_OFFERS";
    public const string RescindInverseOfferType = "RESCIND_INVERSE_OFFER";
    public const string UpdateType = "UPDATE";
    public const string MessageType = "MESSAGE";
    public const string FailureType = "FAILURE";
    public const string ErrorType = "ERROR";
    public const string HeartbeatType = "HEARTBEAT";
}

public sealed record SubscribedEvent
{
    public Id? FrameworkId { get; init; }
    public double? HeartbeatIntervalSeconds { get; init; }
}

public sealed record OffersEvent
{
    public IReadOnlyList<Offer?>? Offers { get; init; }
}

public sealed record RescindEvent
{
    public Id? OfferId { get; init; }
}

public sealed record InverseOffersEvent
{
    public IReadOnlyList<InverseOffer?>? InverseOffers { get; init; }
}

public sealed record RescindInverseOfferEvent
{
    public Id? InverseOfferId { get; init; }
}

public sealed record UpdateEvent
{
    public TaskStatus? Status { get; init; }
}

/// <summary>A framework message from an executor; <see cref="Data"/> is base64.</summary>
public sealed record MessageEvent
{
    public Id? AgentId { get; init; }
    public Id? ExecutorId { get; init; }
    public string? Data { get; init; }
}

/// <summary>An agent lost (no executor id) or an executor ended (with its id and exit status).</summary>
public sealed record FailureEvent
{
    public Id? AgentId { get; init; }
    public Id? ExecutorId { get; init; }
    public int? Status { get; init; }
}

public sealed record ErrorEvent
{
    public string? Message { get; init; }
}
