using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Http;
using Mesos.HA.SchedulerDriver.Core;
using V1 = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.SchedulerDriver;

/// <summary>The driver's side of the Mesos v1 JSON: calls built from the classic API's arguments, events read into the model, through the shared contracts.</summary>
internal static partial class SchedulerJson
{
    public static V1.FrameworkInfo Info(FrameworkInfo info, string? id)
    {
        var capabilities = info.Capabilities.ToList();
        var single = info.Roles.Count == 1 && !capabilities.Contains("MULTI_ROLE");
        if (!single && !capabilities.Contains("MULTI_ROLE")) capabilities.Add("MULTI_ROLE");
        return new V1.FrameworkInfo
        {
            User = info.User,
            Name = info.Name,
            FailoverTimeout = info.FailoverTimeout.TotalSeconds,
            Role = single ? info.Roles[0] : null,
            Roles = single ? null : [.. info.Roles],
            Capabilities = capabilities.Count > 0 ? [.. capabilities.Select(c => new V1.Capability { Type = c })] : null,
            Id = id is null ? null : V1.Id.Of(id),
            Principal = info.Principal,
            Hostname = info.Hostname,
        };
    }

    public static V1.Call Accept(IReadOnlyList<string> offerIds, IReadOnlyList<TaskInfo> tasks, Filters? filters) => new()
    {
        Type = V1.Call.AcceptType,
        Accept = new()
        {
            OfferIds = [.. offerIds.Select(V1.Id.Of)],
            Operations = tasks.Count == 0 ? [] : [new V1.Operation { Type = "LAUNCH", Launch = new() { TaskInfos = [.. tasks.Select(TaskOf)] } }],
            Filters = Filter(filters),
        },
    };

    private static V1.TaskInfo TaskOf(TaskInfo task) => new()
    {
        Name = task.Name,
        TaskId = V1.Id.Of(task.TaskId),
        AgentId = V1.Id.Of(task.AgentId),
        Resources = ResourceJson.ToContract(task.Resources, allocationRole: null),
        Command = task.Executor is null ? new() { Value = task.Command, Shell = true, User = task.User } : null,
        Executor = task.Executor is { } e
            ? new()
            {
                Type = "CUSTOM",
                ExecutorId = V1.Id.Of(e.ExecutorId),
                Name = e.Name.Length > 0 ? e.Name : null,
                Command = new() { Value = e.Command, Shell = true, User = task.User },
                Resources = ResourceJson.ToContract(e.Resources, allocationRole: null),
            }
            : null,
        HealthCheck = task.HealthCheck is { } h ? HealthCheckOf(h) : null,
    };

    private static V1.HealthCheck HealthCheckOf(HealthCheckSpec h) => new()
    {
        Type = h.Kind.ToString().ToUpperInvariant(),
        DelaySeconds = h.DelaySeconds,
        IntervalSeconds = h.IntervalSeconds,
        TimeoutSeconds = h.TimeoutSeconds,
        ConsecutiveFailures = h.ConsecutiveFailures,
        GracePeriodSeconds = h.GracePeriodSeconds,
        Command = h.Kind == HealthCheckKind.Command ? new() { Value = h.Command, Shell = true } : null,
        Http = h.Kind == HealthCheckKind.Http ? new() { Port = h.Port, Path = h.Path.Length > 0 ? h.Path : null, Scheme = h.Scheme.Length > 0 ? h.Scheme : null } : null,
        Tcp = h.Kind == HealthCheckKind.Tcp ? new() { Port = h.Port } : null,
    };

    public static V1.Call Decline(IReadOnlyList<string> offerIds, Filters? filters) => new()
    {
        Type = V1.Call.DeclineType,
        Decline = new() { OfferIds = [.. offerIds.Select(V1.Id.Of)], Filters = Filter(filters) },
    };

    public static V1.Call Revive(IReadOnlyList<string>? roles) => new()
    {
        Type = V1.Call.ReviveType,
        Revive = new() { Roles = [.. roles ?? []] },
    };

    public static V1.Call Suppress(IReadOnlyList<string>? roles) => new()
    {
        Type = V1.Call.SuppressType,
        Suppress = new() { Roles = [.. roles ?? []] },
    };

    public static V1.Call Kill(string taskId, string? agentId) => new()
    {
        Type = V1.Call.KillType,
        Kill = new() { TaskId = V1.Id.Of(taskId), AgentId = agentId is null ? null : V1.Id.Of(agentId) },
    };

    public static V1.Call Acknowledge(TaskUpdate status) => Acknowledge(status.AgentId!, status.TaskId, status.Uuid!);

    public static V1.Call Acknowledge(string agentId, string taskId, string uuid) => new()
    {
        Type = V1.Call.AcknowledgeType,
        Acknowledge = new() { AgentId = V1.Id.Of(agentId), TaskId = V1.Id.Of(taskId), Uuid = uuid },
    };

    /// <summary>A call the driver's core decided, as the v1 API carries it.</summary>
    public static V1.Call Call(DriverCall call) => call switch
    {
        AcceptCall a => Accept(a.OfferIds, a.Tasks, a.Filters),
        DeclineCall d => Decline(d.OfferIds, d.Filters),
        AcceptInverseOffersCall a => AcceptInverseOffers(a.InverseOfferIds, a.Filters),
        DeclineInverseOffersCall d => DeclineInverseOffers(d.InverseOfferIds, d.Filters),
        ReviveCall r => Revive(r.Roles),
        SuppressCall s => Suppress(s.Roles),
        KillCall k => Kill(k.TaskId, k.AgentId),
        AcknowledgeCall a => Acknowledge(a.AgentId, a.TaskId, a.Uuid),
        ReconcileCall r => Reconcile(r.Tasks),
        MessageCall m => Message(m.ExecutorId, m.AgentId, m.Data),
        TeardownCall => Teardown(),
        _ => throw new ArgumentOutOfRangeException(nameof(call), call.GetType().Name),
    };

    /// <summary>An event of the stream as the driver's core takes it; any it has no use for is a heartbeat (it shows the stream lives).</summary>
    public static DriverEvent ReadEvent(V1.Event e) => e.Type switch
    {
        V1.Event.OffersType => new OffersEvent([.. (e.Offers?.Offers ?? []).OfType<V1.Offer>().Select(ReadOffer)]),
        V1.Event.RescindType => new RescindEvent(e.Rescind?.OfferId?.Value ?? ""),
        V1.Event.InverseOffersType => new InverseOffersEvent([.. (e.InverseOffers?.InverseOffers ?? []).Select(ReadInverseOffer).OfType<InverseOffer>()]),
        V1.Event.RescindInverseOfferType => new RescindInverseOfferEvent(e.RescindInverseOffer?.InverseOfferId?.Value ?? ""),
        V1.Event.UpdateType => new UpdateEvent(ReadStatus(e.Update?.Status ?? new V1.TaskStatus())),
        V1.Event.MessageType => new MessageEvent(e.Message?.ExecutorId?.Value ?? "", e.Message?.AgentId?.Value ?? "",
            Convert.FromBase64String(e.Message?.Data ?? "")),
        V1.Event.FailureType => new FailureEvent(e.Failure?.AgentId?.Value ?? "", e.Failure?.ExecutorId?.Value, e.Failure?.Status ?? 0),
        V1.Event.ErrorType => new ErrorEvent(e.Error?.Message ?? "error"),
        _ => HeartbeatEvent.Instance,
    };

    public static V1.Call Reconcile(IEnumerable<(string Task, string? Agent)> tasks) => new()
    {
        Type = V1.Call.ReconcileType,
        Reconcile = new()
        {
            Tasks = [.. tasks.Select(t => new V1.ReconcileTask { TaskId = V1.Id.Of(t.Task), AgentId = t.Agent is null ? null : V1.Id.Of(t.Agent) })],
        },
    };

    public static V1.Call Message(string executorId, string agentId, byte[] data) => new()
    {
        Type = V1.Call.MessageType,
        Message = new() { AgentId = V1.Id.Of(agentId), ExecutorId = V1.Id.Of(executorId), Data = Convert.ToBase64String(data) },
    };

    public static V1.Call Teardown() => new() { Type = V1.Call.TeardownType };

    private static V1.Filters? Filter(Filters? filters) => filters is null ? null : new() { RefuseSeconds = filters.RefuseFor.TotalSeconds };

    public static Offer ReadOffer(V1.Offer offer)
    {
        if (!ResourceJson.TryRead(offer.Resources, out var resources, out var error))
            throw new InvalidDataException("offer resources: " + error);
        return new Offer(offer.Id?.Value ?? "", offer.FrameworkId?.Value ?? "", offer.AgentId?.Value ?? "",
            offer.Hostname ?? "", resources, offer.AllocationInfo?.Role ?? "*")
        {
            Unavailability = ReadUnavailability(offer.Unavailability),
        };
    }

    public static TaskUpdate ReadStatus(V1.TaskStatus status)
    {
        var state = status.State ?? "TASK_UNKNOWN";
        var parsed = Enum.TryParse<TaskState>(state.Replace("TASK_", "", StringComparison.Ordinal), ignoreCase: true, out var s) ? s : TaskState.Unknown;
        var timestamp = status.Timestamp is { } t && !double.IsNaN(t) ? t : 0;
        return new TaskUpdate(status.TaskId?.Value ?? "", parsed, status.AgentId?.Value, status.Message ?? "", status.Reason ?? "",
            status.Source ?? "", status.Uuid, timestamp)
        {
            ExecutorId = status.ExecutorId?.Value,
            Healthy = status.Healthy,
            Data = status.Data is { } data ? Convert.FromBase64String(data) : null,
        };
    }
}
