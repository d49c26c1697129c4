using System.Text.Json;
using Mesos.HA.ExecutorDriver.Core;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Mesos.HA.ExecutorDriver;

public sealed partial class MesosExecutorDriver
{
    // Polly's timeout strategy accepts no timeout outside these.
    private static readonly TimeSpan ShortestRecoveryTimeout = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LongestRecoveryTimeout = TimeSpan.FromDays(1);

    /// <summary>Numbers the subscriptions; a call queued on one is not posted on a later one (the SUBSCRIBE carried it).</summary>
    private int subscription;

    /// <summary>Cancels the stream being read: a call that could not reach the agent breaks the subscription.</summary>
    private CancellationTokenSource? readingStream;

    /// <summary>Subscribes, reads the stream, and after a break subscribes again (when checkpointing) until the driver ends.</summary>
    private async Task SubscribeAndReadAsync()
    {
        var token = stopping.Token;
        var attempts = SubscriptionPipeline();
        while (!token.IsCancellationRequested)
        {
            ExecutorEventStream stream;
            try
            {
                stream = await attempts.ExecuteAsync(SubscribeOnceAsync, token).ConfigureAwait(false);
            }
            catch (TimeoutRejectedException)
            {
                Log.RecoveryTimedOut(logger, settings.ExecutorId, settings.RecoveryTimeout);
                IReadOnlyList<ExecutorCallback> lost;
                lock (gate) lost = core.RecoveryTimedOut();
                await QueueAsync(lost).ConfigureAwait(false);
                return;
            }
            using (stream)
            {
                if (await ReadUntilBrokenAsync(stream).ConfigureAwait(false)) return;
            }
            IReadOnlyList<ExecutorCallback> broken;
            lock (gate) broken = core.StreamBroken();
            await QueueAsync(broken).ConfigureAwait(false);
            lock (gate)
                if (core.Ending)
                    return;
        }
    }

    /// <summary>
    /// Attempts until one subscribes, with exponential jittered backoff capped by the backoff max; the
    /// recovery timeout bounds them all (<see cref="TimeoutRejectedException"/>).
    /// </summary>
    private ResiliencePipeline SubscriptionPipeline()
    {
        var recovery = TimeSpan.FromTicks(Math.Clamp(settings.RecoveryTimeout.Ticks, ShortestRecoveryTimeout.Ticks, LongestRecoveryTimeout.Ticks));
        var backoffMax = settings.SubscriptionBackoffMax > TimeSpan.Zero ? settings.SubscriptionBackoffMax : TimeSpan.FromMilliseconds(1);
        return new ResiliencePipelineBuilder { TimeProvider = settings.Time }
            .AddTimeout(recovery)
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsSubscriptionFailure),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = backoffMax / 10,
                MaxDelay = backoffMax,
                MaxRetryAttempts = int.MaxValue,
                Randomizer = jitter.NextDouble,
                OnRetry = retry =>
                {
                    Log.SubscribeFailed(logger, settings.ExecutorId, retry.AttemptNumber, retry.Outcome.Exception?.Message ?? "", retry.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    private static bool IsSubscriptionFailure(Exception e) =>
        e is HttpRequestException or IOException or InvalidDataException or JsonException or AgentCallException or TimeoutException;

    /// <summary>One attempt: a SUBSCRIBE carrying what is unacknowledged now, answered within the call timeout.</summary>
    private async ValueTask<ExecutorEventStream> SubscribeOnceAsync(CancellationToken token)
    {
        using var timeout = new CancellationTokenSource(settings.CallTimeout, settings.Time);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
        Protocol.Http.V1.ExecutorCall subscribe;
        lock (gate) subscribe = core.Subscribe();
        try
        {
            return await agent.SubscribeAsync(subscribe, attempt.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !token.IsCancellationRequested)
        {
            throw new TimeoutException($"the agent did not answer SUBSCRIBE within {settings.CallTimeout}");
        }
    }

    /// <summary>Hands the stream's events to the core, SUBSCRIBED first; true when the driver is ending, false when the stream broke.</summary>
    private async Task<bool> ReadUntilBrokenAsync(ExecutorEventStream stream)
    {
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
        lock (gate)
        {
            subscription++;
            readingStream = reading;
        }
        Log.Subscribed(logger, settings.ExecutorId, settings.AgentEndpoint);
        try
        {
            for (var e = stream.Subscribed; e is not null; e = await stream.ReadAsync(reading.Token).ConfigureAwait(false))
            {
                IReadOnlyList<ExecutorCallback> decided;
                bool ending;
                lock (gate)
                {
                    decided = core.Handle(e, settings.Time.GetUtcNow());
                    ending = core.Ending;
                    // Under the lock, so they are queued before any update made after the stream came up.
                    foreach (var late in core.TakeUpdatesMadeWhileSubscribing()) Post(late, subscription);
                }
                await QueueAsync(decided).ConfigureAwait(false);
                if (ending) return true;
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException or JsonException or OperationCanceledException)
        {
            if (stopping.IsCancellationRequested) return true;
            Log.StreamBroken(logger, settings.ExecutorId, e.Message);
        }
        finally
        {
            lock (gate) readingStream = null;
        }
        return stopping.IsCancellationRequested;
    }

    /// <summary>A call on subscription <paramref name="brokenSubscription"/> could not reach the agent: that subscription is over.</summary>
    private void BreakSubscription(int brokenSubscription)
    {
        CancellationTokenSource? broken;
        lock (gate) broken = subscription == brokenSubscription ? readingStream : null;
        try
        {
            broken?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The stream ended meanwhile.
        }
    }
}
