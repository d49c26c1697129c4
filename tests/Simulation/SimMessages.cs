using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Simulation;

// The scheduler API as the simulated frameworks speak it: the records the master's HTTP edge parses
// calls into and the effects its framework hub turns into events, without the JSON in between (the
// agent channel uses the real protocol records).

/// <summary>SUBSCRIBE (with the framework's id when it fails over).</summary>
public sealed record SubscribeCall(FrameworkId? Id, FrameworkInfo Info, TimeSpan FailoverTimeout);

/// <summary>Any other call, as the edge parses it into the core's input.</summary>
public sealed record FrameworkCall(FrameworkInput Input);

/// <summary>SUBSCRIBED: the stream is open; heartbeats follow at the interval given.</summary>
public sealed record SubscribedEvent(FrameworkId Id, TimeSpan HeartbeatInterval);

/// <summary>OFFERS, RESCIND, UPDATE or FAILURE, as the leader's core decided them.</summary>
public sealed record FrameworkEvent(Effect Effect);

public sealed record HeartbeatEvent
{
    public static readonly HeartbeatEvent Instance = new();
}

/// <summary>ERROR: the stream ends (the subscription was refused, or the framework torn down).</summary>
public sealed record ErrorEvent(string Message);

/// <summary>A 307 to the leader (null: 503, none known).</summary>
public sealed record NotLeaderAnswer(string? Leader);

/// <summary>A 4xx answer to a call.</summary>
public sealed record CallRefused(string Message);
