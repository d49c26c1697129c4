namespace Mesos.HA.SchedulerDriver.Core;

/// <summary>A call the driver makes on its subscription, as the classic API's arguments give it (the transport encodes it).</summary>
public abstract record DriverCall
{
    /// <summary>The Mesos name of the call (for logs).</summary>
    public abstract string Type { get; }
}

public sealed record AcceptCall(IReadOnlyList<string> OfferIds, IReadOnlyList<TaskInfo> Tasks, Filters? Filters) : DriverCall
{
    public override string Type => "ACCEPT";
}

public sealed record DeclineCall(IReadOnlyList<string> OfferIds, Filters? Filters) : DriverCall
{
    public override string Type => "DECLINE";
}

/// <summary>ACCEPT_INVERSE_OFFERS: the framework's yes to maintenance; the filters say when the master asks again.</summary>
public sealed record AcceptInverseOffersCall(IReadOnlyList<string> InverseOfferIds, Filters? Filters) : DriverCall
{
    public override string Type => "ACCEPT_INVERSE_OFFERS";
}

/// <summary>DECLINE_INVERSE_OFFERS: the framework's no to maintenance; the filters say when the master asks again.</summary>
public sealed record DeclineInverseOffersCall(IReadOnlyList<string> InverseOfferIds, Filters? Filters) : DriverCall
{
    public override string Type => "DECLINE_INVERSE_OFFERS";
}

public sealed record ReviveCall(IReadOnlyList<string>? Roles) : DriverCall
{
    public override string Type => "REVIVE";
}

public sealed record SuppressCall(IReadOnlyList<string>? Roles) : DriverCall
{
    public override string Type => "SUPPRESS";
}

public sealed record KillCall(string TaskId, string? AgentId) : DriverCall
{
    public override string Type => "KILL";
}

public sealed record AcknowledgeCall(string AgentId, string TaskId, string Uuid) : DriverCall
{
    public override string Type => "ACKNOWLEDGE";
}

/// <summary>RECONCILE of the tasks given; none asks about every task the master knows.</summary>
public sealed record ReconcileCall(IReadOnlyList<(string TaskId, string? AgentId)> Tasks) : DriverCall
{
    public override string Type => "RECONCILE";
}

public sealed record MessageCall(string ExecutorId, string AgentId, byte[] Data) : DriverCall
{
    public override string Type => "MESSAGE";
}

/// <summary>TEARDOWN: the framework ends and its tasks are killed.</summary>
public sealed record TeardownCall : DriverCall
{
    public static readonly TeardownCall Instance = new();

    public override string Type => "TEARDOWN";
}
