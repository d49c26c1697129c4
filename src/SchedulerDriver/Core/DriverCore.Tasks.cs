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
    // Chunks of an explicit reconciliation not asked yet. They go out a few at a time, the next once one before is
    // answered or due to be asked again: a framework with 100,000 tasks must not have every answer queued for it at
    // once (the master closes a stream with too many events waiting, and the framework then reconciles all over again).
    private readonly Queue<(string TaskId, string? AgentId)[]> toAsk = new();
    // The question each unanswered task was last asked in, so that an answer tells its question at once.
    private readonly Dictionary<string, Question> askedIn = new(StringComparer.Ordinal);
    // The implicit reconciliation of a subscription: after its explicit one, which it would only repeat.
    private bool implicitOwed;

    /// <summary>An explicit reconciliation on the current subscription, to ask again at <see cref="At"/> for its unanswered tasks.</summary>
    private sealed class Question((string TaskId, string? AgentId)[] tasks, int retry, DateTimeOffset at)
    {
        public (string TaskId, string? AgentId)[] Tasks { get; } = tasks;
        public int Retry { get; set; } = retry;
        public DateTimeOffset At { get; set; } = at;

        /// <summary>Its tasks not answered yet (those asked again in a later question count there).</summary>
        public int Waiting { get; set; } = tasks.Length;
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
        if (phase != Phase.Subscribed || Status != DriverStatus.Running)
        {
            SendReconcile(tasks); // goes nowhere: the next subscription asks about every live task
            return;
        }
        foreach (var chunk in tasks.DistinctBy(t => t.TaskId).Chunk(Math.Max(1, options.MaxTasksPerReconcile))) toAsk.Enqueue(chunk);
        AskNext();
    }

    /// <summary>After each subscription: every live task, then (once they are answered) whatever the master knows that the driver does not.</summary>
    private void ReconcileLiveTasks()
    {
        var known = LiveTasks.ToArray();
        if (known.Length == 0)
        {
            Send(new ReconcileCall([]));
            return;
        }
        implicitOwed = true;
        ReconcileUntilAnswered(known);
    }

    /// <summary>Asks the next chunks while fewer than <see cref="DriverCoreOptions.MaxReconcilesInFlight"/> first asks wait; then the implicit reconciliation owed, once none does.</summary>
    private void AskNext()
    {
        while (questions.Count(q => q.Retry == 0) < Math.Max(1, options.MaxReconcilesInFlight) && toAsk.TryDequeue(out var chunk))
        {
            var question = new Question(chunk, 0, now + Backoff(options.ReconcileRetryFirstDelay, options.ReconcileRetryMaxDelay, 0));
            foreach (var (task, _) in chunk) askedIn[task] = question;
            questions.Add(question);
            Send(new ReconcileCall(chunk));
        }
        if (implicitOwed && toAsk.Count == 0 && !questions.Any(q => q.Retry == 0))
        {
            implicitOwed = false;
            Send(new ReconcileCall([]));
        }
    }

    /// <summary>An update answered <paramref name="task"/>: its question is done once every task of it is answered.</summary>
    private void Answered(string task)
    {
        if (!askedIn.Remove(task, out var question) || --question.Waiting > 0) return;
        questions.Remove(question);
        AskNext();
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
            question.Retry++; // no longer holds the next chunks back: an answer the master owes may take long
            question.At = now + Backoff(options.ReconcileRetryFirstDelay, options.ReconcileRetryMaxDelay, question.Retry);
        }
        AskNext();
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
        toAsk.Clear();
        askedIn.Clear();
        implicitOwed = false;
    }

    private void Update(TaskUpdate update)
    {
        // TASK_UNKNOWN: no master knows it and no agent may bring it back; tracked on, every subscription would ask again.
        if (update.State.IsTerminal() || update.State == TaskState.Unknown) liveTasks.Remove(update.TaskId);
        else liveTasks[update.TaskId] = update.AgentId ?? liveTasks.GetValueOrDefault(update.TaskId);
        if (unanswered.Remove(update.TaskId)) Answered(update.TaskId); // any update about a task answers its reconciliation
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
