namespace Mesos.HA.Protocol.Http.V1;

/// <summary>
/// A scheduler call, <c>{"type": "ACCEPT", "accept": {...}, "framework_id": {...}}</c>: the payload
/// named after the type is set, the others are null. TEARDOWN has none.
/// </summary>
public sealed record Call
{
    public string? Type { get; init; }
    public SubscribeCall? Subscribe { get; init; }
    public AcceptCall? Accept { get; init; }
    public DeclineCall? Decline { get; init; }
    public InverseOffersCall? AcceptInverseOffers { get; init; }
    public InverseOffersCall? DeclineInverseOffers { get; init; }
    public RolesCall? Revive { get; init; }
    public RolesCall? Suppress { get; init; }
    public KillCall? Kill { get; init; }
    public AcknowledgeCall? Acknowledge { get; init; }
    public ReconcileCall? Reconcile { get; init; }
    public MessageCall? Message { get; init; }
    public ShutdownCall? Shutdown { get; init; }
    public Id? FrameworkId { get; init; }

    public const string SubscribeType = "SUBSCRIBE";
    public const string TeardownType = "TEARDOWN";
    public const string AcceptType = "ACCEPT";
    public const string DeclineType = "DECLINE";
    public const string AcceptInverseOffersType = "ACCEPT_INVERSE_OFFERS";
    public const string DeclineInverseOffersType = "DECLINE_INVERSE_OFFERS";
    public const string ReviveType = "REVIVE";
    public const string SuppressType = "SUPPRESS";
    public const string KillType = "KILL";
    public const string AcknowledgeType = "ACKNOWLEDGE";
    public const string ReconcileType = "RECONCILE";
    public const string MessageType = "MESSAGE";
    public const string ShutdownType = "SHUTDOWN";
}

public sealed record SubscribeCall
{
    public FrameworkInfo? FrameworkInfo { get; init; }
}

public sealed record AcceptCall
{
    public IReadOnlyList<Id?>? OfferIds { get; init; }
    public IReadOnlyList<Operation?>? Operations { get; init; }
    public Filters? Filters { get; init; }
}

/// <summary>An offer operation; only LAUNCH is supported.</summary>
public sealed record Operation
{
    public string? Type { get; init; }
    public LaunchOperation? Launch { get; init; }
}

public sealed record LaunchOperation
{
    public IReadOnlyList<TaskInfo?>? TaskInfos { get; init; }
}

public sealed record DeclineCall
{
    public IReadOnlyList<Id?>? OfferIds { get; init; }
    public Filters? Filters { get; init; }
}

/// <summary>ACCEPT_INVERSE_OFFERS and DECLINE_INVERSE_OFFERS: the framework's answer to maintenance, and how long until it is asked again.</summary>
public sealed record InverseOffersCall
{
    public IReadOnlyList<Id?>? InverseOfferIds { get; init; }
    public Filters? Filters { get; init; }
}

/// <summary>REVIVE and SUPPRESS: the roles concerned (none: all the framework's roles).</summary>
public sealed record RolesCall
{
    public IReadOnlyList<string?>? Roles { get; init; }
}

public sealed record KillCall
{
    public Id? TaskId { get; init; }
    public Id? AgentId { get; init; }
}

/// <summary>Acknowledges an update; <see cref="Uuid"/> is the update's uuid as the UPDATE carried it (base64).</summary>
public sealed record AcknowledgeCall
{
    public Id? AgentId { get; init; }
    public Id? TaskId { get; init; }
    public string? Uuid { get; init; }
}

/// <summary>Explicit reconciliation of the tasks listed; implicit (every task) when the list is empty.</summary>
public sealed record ReconcileCall
{
    public IReadOnlyList<ReconcileTask?>? Tasks { get; init; }
}

public sealed record ReconcileTask
{
    public Id? TaskId { get; init; }
    public Id? AgentId { get; init; }
}

/// <summary>A framework message for an executor; <see cref="Data"/> is base64.</summary>
public sealed record MessageCall
{
    public Id? AgentId { get; init; }
    public Id? ExecutorId { get; init; }
    public string? Data { get; init; }
}

public sealed record ShutdownCall
{
    public Id? ExecutorId { get; init; }
    public Id? AgentId { get; init; }
}
