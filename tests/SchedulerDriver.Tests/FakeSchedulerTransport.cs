using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Mesos.HA.SchedulerDriver.Core;

namespace Mesos.HA.SchedulerDriver.Tests;

/// <summary>
/// A transport with no network: each SUBSCRIBE is answered by the script the test gave for its master
/// (a redirect, a failure, or an open stream the test feeds and ends), and every call is recorded.
/// </summary>
public sealed class FakeSchedulerTransport : ISchedulerTransport
{
    private readonly ConcurrentDictionary<string, Func<string?, SubscribeOutcome>> answers = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> subscribes = new();

    /// <summary>"master id" per SUBSCRIBE, in order.</summary>
    public IReadOnlyList<string> Subscribes => [.. subscribes];

    public void Answer(string master, Func<string?, SubscribeOutcome> answer) => answers[master] = answer;

    public Task<SubscribeOutcome> SubscribeAsync(string master, string? frameworkId, CancellationToken token)
    {
        subscribes.Enqueue($"{master} {frameworkId ?? "(new)"}");
        return Task.FromResult(answers.TryGetValue(master, out var answer) ? answer(frameworkId) : new SubscribeOutcome.Failed("no such master"));
    }

    /// <summary>An open stream: the test writes its events and ends it; the calls made on it are recorded.</summary>
    public sealed class Stream(string master, string frameworkId) : ISchedulerSubscription
    {
        private readonly Channel<DriverEvent> events = Channel.CreateUnbounded<DriverEvent>();
        private readonly ConcurrentQueue<string> calls = new();

        public string Master { get; } = master;
        public string StreamId => "stream-" + Master;
        public string FrameworkId { get; } = frameworkId;
        public TimeSpan HeartbeatInterval => TimeSpan.FromSeconds(15);
        public IReadOnlyList<string> Calls => [.. calls];
        public bool Disposed { get; private set; }

        public void Send(DriverEvent e) => events.Writer.TryWrite(e);

        public void End() => events.Writer.TryComplete();

        public async IAsyncEnumerable<DriverEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken token)
        {
            await foreach (var e in events.Reader.ReadAllAsync(token).ConfigureAwait(false)) yield return e;
        }

        public Task CallAsync(DriverCall call, CancellationToken token)
        {
            calls.Enqueue(DriverCoreScript.Render(call));
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            events.Writer.TryComplete();
            return default;
        }
    }
}
