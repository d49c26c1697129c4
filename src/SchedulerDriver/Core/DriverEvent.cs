namespace Mesos.HA.SchedulerDriver.Core;

/// <summary>An event of the scheduler API's stream after SUBSCRIBED, as the transport read it.</summary>
public abstract record DriverEvent;

public sealed record OffersEvent(IReadOnlyList<Offer> Offers) : DriverEvent;

public sealed record RescindEvent(string OfferId) : DriverEvent;

/// <summary>INVERSE_OFFERS: the master asks for resources back for maintenance.</summary>
public sealed record InverseOffersEvent(IReadOnlyList<InverseOffer> InverseOffers) : DriverEvent;

/// <summary>RESCIND_INVERSE_OFFER: an inverse offer is no longer valid.</summary>
public sealed record RescindInverseOfferEvent(string InverseOfferId) : DriverEvent;

public sealed record UpdateEvent(TaskUpdate Update) : DriverEvent;

public sealed record MessageEvent(string ExecutorId, string AgentId, byte[] Data) : DriverEvent;

/// <summary>FAILURE: an executor ended (<paramref name="ExecutorId"/> set) or an agent was lost.</summary>
public sealed record FailureEvent(string AgentId, string? ExecutorId, int Status) : DriverEvent;

/// <summary>ERROR: the framework was removed or replaced; the driver aborts.</summary>
public sealed record ErrorEvent(string Message) : DriverEvent;

/// <summary>HEARTBEAT, or any event the driver has no use for: it only shows the stream is alive.</summary>
public sealed record HeartbeatEvent : DriverEvent
{
    public static readonly HeartbeatEvent Instance = new();
}
