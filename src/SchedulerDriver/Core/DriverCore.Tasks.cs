using Mesos.HA.Protocol;

namespace Mesos.HA.SchedulerDriver.Core;

/// <summary>
/// The scheduler's calls, live tasks and reconciliation. A task is live from its launch (or an
/// explicit reconciliation that tracks it) until a terminal update; every subscription reconciles the
/// live tasks. A master may leave a query unanswered: right after a failover it does not answer for a
/// task it does not know while the task's agent may still re-register with it (Mesos does the same).
/// The core asks again with backoff, for as long as the subscription that carried the query lasts (a
/// new subscription reconciles every live task anyway).
/// </summary>
public sealed partial class DriverCore
{
    // Ordered by id, so that what is reconciled does not depend on the order of launches.
    private readonly SortedDictionary<string, string?> liveTasks = new(StringComparer.Ordinal);
    // Tasks named in an explicit reconciliation on this subscription that no update has answered yet.
    private readonly HashSet<string> unanswered = new(StringComparer.Ordinal);
    private readonly List<Question> questions = [];

    /// <summary>An explicit reconciliation on the current subscription, to ask again at <see cref="At"/> for its unanswered tasks.</summary>
    private sealed class Question((string TaskId, string? AgentId)[] tasks, int retry, DateTimeOffset at)
    {
        public (string TaskId, string? AgentId)[] Tasks { get; } = tasks;
        public int Retry { get; set; } = retry;
        public DateTimeOffset At { get; set; } = at;
    }

    /// <summary>The tasks the driver takes for live, with the agent each was last heard on (ordered by id).</summary>
    public IReadOnlyList<(string TaskId, string? AgentId)> LiveTasks => [.. liveTasks.Select(t => (t.Key, t.Value))];

    private void Call(DriverInput input)
    {
        switch (input)
        {
            case AcceptOffersCalled a:
                foreach (var task in a.Tasks) liveTasks[task.TaskId] = task.AgentId;
                Send(new AcceptCall(a.OfferIds, a.Tasks, a.Filters));
                break;
            case DeclineOffersCalled d: Send(new DeclineCall(d.OfferIds, d.Filters)); break;
            case AcceptInverseOffersCalled a: Send(new AcceptInverseOffersCall(a.InverseOfferIds, a.Filters)); break;
            case DeclineInverseOffersCalled d: Send(new DeclineInverseOffersCall(d.InverseOfferIds, d.Filters)); break;
            case ReviveOffersCalled r: Send(new ReviveCall(r.Roles)); break;
            case SuppressOffersCalled s: Send(new SuppressCall(s.Roles)); break;
            case KillTaskCalled k: Send(new KillCall(k.TaskId, liveTasks.GetValueOrDefault(k.TaskId))); break;
            case AcknowledgeCalled { Update: { Uuid: { } uuid, AgentId: { } agent } update }:
                Send(new AcknowledgeCall(agent, update.TaskId, uuid));
                break;
            case ReconcileCalled r: Reconcile(r); break;
            case FrameworkMessageCalled m: Send(new MessageCall(m.ExecutorId, m.AgentId, m.Data)); break;
        }
    }

    private void Reconcile(ReconcileCalled call)
    {
        (string TaskId, string? AgentId)[] tasks;
        if (call.Track)
        {
            foreach (var (task, agent) in call.Tasks) liveTasks[task] = agent ?? liveTasks.GetValueOrDefault(task);
            tasks = [.. call.Tasks.Select(t => (t.TaskId, liveTasks[t.TaskId]))];
        }
        else tasks = [.. call.Tasks.Select(t => (t.TaskId, t.AgentId ?? liveTasks.GetValueOrDefault(t.TaskId)))];
        ReconcileUntilAnswered(tasks);
    }

    /// <summary>Sends an explicit reconciliation and, while this subscription lasts, asks again for the tasks left unanswered.</summary>
    private void ReconcileUntilAnswered((string TaskId, string? AgentId)[] tasks)
    {
        if (tasks.Length == 0)
        {
            Send(new ReconcileCall([]));
            return;
        }
        foreach (var (task, _) in tasks) unanswered.Add(task);
        SendReconcile(tasks);
        if (phase == Phase.Subscribed && Status == DriverStatus.Running)
            questions.Add(new Question(tasks, 0, now + Backoff(options.ReconcileRetryFirstDelay, options.ReconcileRetryMaxDelay, 0)));
    }

    /// <summary>After each subscription: every live task, and whatever the master knows that the driver does not.</summary>
    private void ReconcileLiveTasks()
    {
        var known = LiveTasks.ToArray();
        if (known.Length > 0) ReconcileUntilAnswered(known);
        Send(new ReconcileCall([]));
    }

    private void AskAgain()
    {
        foreach (var question in questions.ToArray())
        {
            if (question.At > now) continue;
            var left = question.Tasks.Where(t => unanswered.Contains(t.TaskId)).ToArray();
            if (left.Length == 0)
            {
                questions.Remove(question);
                continue;
            }
            SendReconcile(left);
            question.Retry++;
            question.At = now + Backoff(options.ReconcileRetryFirstDelay, options.ReconcileRetryMaxDelay, question.Retry);
        }
    }

    /// <summary>An explicit reconciliation, in calls of at most <see cref="DriverCoreOptions.MaxTasksPerReconcile"/> tasks.</summary>
    private void SendReconcile((string TaskId, string? AgentId)[] tasks)
    {
        foreach (var chunk in tasks.Chunk(Math.Max(1, options.MaxTasksPerReconcile))) Send(new ReconcileCall(chunk));
    }

    private DateTimeOffset? NextQuestion() => questions.Count == 0 ? null : questions.Min(q => q.At);

    /// <summary>The subscription ended: questions asked on it are forgotten (the next one asks about every live task).</summary>
    private void EndReconciliations()
    {
        questions.Clear();
        unanswered.Clear();
    }

    private void Update(TaskUpdate update)
    {
        if (update.State.IsTerminal()) liveTasks.Remove(update.TaskId);
        else liveTasks[update.TaskId] = update.AgentId ?? liveTasks.GetValueOrDefault(update.TaskId);
        unanswered.Remove(update.TaskId); // any update about a task answers its reconciliation
        effects.Add(new NotifyUpdate(update));
        if (options.ImplicitAcknowledgements && update is { Uuid: { } uuid, AgentId: { } agent })
            Send(new AcknowledgeCall(agent, update.TaskId, uuid));
    }

    /// <summary>A call goes out on the current subscription; without one it is dropped (and said so).</summary>
    private void Send(DriverCall call)
    {
        if (Status != DriverStatus.Running) return;
        effects.Add(phase == Phase.Subscribed ? new SendCall(attempt, call) : new CallDropped(call));
    }
}
