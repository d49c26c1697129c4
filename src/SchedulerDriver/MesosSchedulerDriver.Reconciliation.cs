using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Mesos.HA.SchedulerDriver;

/// <summary>
/// Explicit reconciliation until answered. A master may leave a query unanswered: right after a
/// failover it does not answer for a task it does not know while the task's agent may still
/// re-register with it (Mesos does the same). A framework is expected to ask again with backoff until
/// every task it named has been answered; the driver does that for it, for as long as the
/// subscription that carried the query lasts (a new subscription reconciles every live task anyway).
/// </summary>
public sealed partial class MesosSchedulerDriver
{
    // Tasks named in an explicit reconciliation that no update has answered yet; guarded by liveTasks.
    private readonly HashSet<string> unanswered = new(StringComparer.Ordinal);
    private CancellationTokenSource? subscriptionScope;

    private ResiliencePipeline<(string TaskId, string? AgentId)[]> BuildReconcileRetry() =>
        new ResiliencePipelineBuilder<(string TaskId, string? AgentId)[]> { TimeProvider = options.Time }
            .AddRetry(new RetryStrategyOptions<(string TaskId, string? AgentId)[]>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { Length: > 0 }),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.ReconcileRetryFirstDelay,
                MaxDelay = options.ReconcileRetryMaxDelay,
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    LogReconcileRetry(logger, args.Outcome.Result?.Length ?? 0, args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            })
            .Build();

    /// <summary>Sends an explicit reconciliation and, while this subscription lasts, repeats it for the tasks left unanswered.</summary>
    private DriverStatus ReconcileUntilAnswered(IReadOnlyList<(string TaskId, string? AgentId)> tasks)
    {
        if (tasks.Count == 0) return Enqueue(SchedulerJson.Reconcile([]));
        lock (liveTasks)
            foreach (var (task, _) in tasks) unanswered.Add(task);
        var sent = Enqueue(SchedulerJson.Reconcile(tasks));
        if (sent != DriverStatus.Running || Volatile.Read(ref subscriptionScope) is not { } scope) return sent;
        CancellationToken token;
        try { token = scope.Token; }
        catch (ObjectDisposedException) { return sent; } // the subscription just ended
        _ = AskAgainWhileUnansweredAsync([.. tasks], token);
        return sent;
    }

    private async Task AskAgainWhileUnansweredAsync((string TaskId, string? AgentId)[] tasks, CancellationToken token)
    {
        var first = true;
        try
        {
            await reconcileRetry.ExecuteAsync(_ =>
            {
                (string TaskId, string? AgentId)[] left;
                lock (liveTasks) left = [.. tasks.Where(t => unanswered.Contains(t.TaskId))];
                if (left.Length > 0 && !first) Enqueue(SchedulerJson.Reconcile(left));
                first = false;
                return ValueTask.FromResult(left);
            }, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // the subscription ended: the next one reconciles every live task
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Any update about a task answers its reconciliation.</summary>
    private void Answered(string taskId)
    {
        lock (liveTasks) unanswered.Remove(taskId);
    }

    /// <summary>A new subscription: questions asked on the old one are forgotten (every live task is asked again).</summary>
    private CancellationTokenSource BeginSubscriptionScope(CancellationToken stop)
    {
        lock (liveTasks) unanswered.Clear();
        var scope = CancellationTokenSource.CreateLinkedTokenSource(stop);
        Volatile.Write(ref subscriptionScope, scope);
        return scope;
    }

    private void EndSubscriptionScope(CancellationTokenSource scope)
    {
        Interlocked.CompareExchange(ref subscriptionScope, null, scope);
        scope.Cancel();
        scope.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Count} reconciled tasks still unanswered; asking again in {DelayMs:F0} ms")]
    private static partial void LogReconcileRetry(ILogger logger, int count, double delayMs);
}
