using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Registry = Mesos.HA.Replication.Registry.Registry;

namespace Mesos.HA.Master.Operator.V1;

/// <summary>
/// The operator API's event streams (SUBSCRIBE). Task events come from the leader's effects as they
/// leave (a launch is TASK_ADDED, a status update that changes a task's state is TASK_UPDATED); agent
/// and framework events from the registry's applied state, compared with what each stream last saw.
/// A stream lives in one term: when its master stops leading it ends, and the client subscribes again
/// (through the new leader) for a fresh SUBSCRIBED, as Mesos' clients do.
/// </summary>
public sealed class OperatorEvents(Func<Registry> registry, Func<long?> leadingTerm, TimeProvider time, TimeSpan heartbeat) : IAsyncDisposable
{
    private readonly Lock gate = new();
    // Replaced whole under the gate, read without it: every launch and update of the leader looks here.
    private OperatorStream[] streams = [];
    private readonly CancellationTokenSource stopping = new();
    private Task? watching;

    /// <summary>How often the registry is compared with what the streams saw, and the term checked.</summary>
    public static readonly TimeSpan WatchInterval = TimeSpan.FromMilliseconds(100);

    public TimeSpan Heartbeat { get; } = heartbeat;

    /// <summary>
    /// A new stream that starts after <paramref name="view"/> (taken under the leader's lock in <paramref name="term"/>);
    /// it carries only the events of what <paramref name="permissions"/> may see (null: everything).
    /// </summary>
    public OperatorStream Add(long term, OperatorView view, Security.ViewPermissions? permissions = null)
    {
        var stream = new OperatorStream(term, view, permissions);
        lock (gate)
        {
            streams = [.. streams, stream];
            watching ??= WatchAsync(stopping.Token);
        }
        return stream;
    }

    public void Remove(OperatorStream stream)
    {
        lock (gate) streams = [.. streams.Where(s => s != stream)];
        stream.Close();
    }

    public int Count => Volatile.Read(ref streams).Length;

    /// <summary>One of the leader's effects as it leaves: the task events it means go to every stream of that term.</summary>
    public void Observe(long term, Effect effect)
    {
        if (effect is not (LaunchTask or SendUpdate or ForwardUpdate)) return;
        Registry? current = null;
        foreach (var stream in Snapshot())
            if (stream.Term == term) stream.Observe(effect, stream.Permissions is null ? null : current ??= registry());
    }

    private OperatorStream[] Snapshot() => Volatile.Read(ref streams);

    private async Task WatchAsync(CancellationToken token)
    {
        var nextHeartbeat = time.GetUtcNow() + Heartbeat;
        try
        {
            while (!token.IsCancellationRequested)
            {
                await Task.Delay(WatchInterval, time, token).ConfigureAwait(false);
                var current = registry();
                var term = leadingTerm();
                var beat = time.GetUtcNow() >= nextHeartbeat;
                if (beat) nextHeartbeat = time.GetUtcNow() + Heartbeat;
                foreach (var stream in Snapshot())
                {
                    if (stream.Term != term)
                    {
                        Remove(stream); // this master no longer leads in the stream's term
                        continue;
                    }
                    stream.Compare(current);
                    if (beat) stream.Enqueue(OperatorEventJson.Heartbeat());
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        Task? loop;
        lock (gate) loop = watching;
        if (loop is not null) await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var stream in Snapshot()) Remove(stream);
        stopping.Dispose();
    }
}

/// <summary>
/// One subscriber's events, queued (bounded: a client that cannot keep up loses its stream) and de-duplicated;
/// events of frameworks and tasks its <see cref="Permissions"/> hide are dropped.
/// </summary>
public sealed class OperatorStream
{
    private const int Capacity = 65_536;
    private readonly Channel<byte[]> events = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(Capacity) { SingleReader = true });
    private readonly CancellationTokenSource closed = new();
    private readonly Lock gate = new();
    private readonly Dictionary<(FrameworkId, TaskId), TaskState> tasks;
    private readonly Queue<(FrameworkId, TaskId)> ended = new();
    private Registry seen;

    /// <summary>Ended tasks remembered (to drop a resent last update) before the oldest is forgotten: a long-lived stream stays bounded.</summary>
    private const int EndedRemembered = 10_000;

    internal OperatorStream(long term, OperatorView view, Security.ViewPermissions? permissions = null)
    {
        Term = term;
        Permissions = permissions;
        seen = view.Registry;
        tasks = view.Core.Tasks.Concat(view.Core.CompletedTasks).GroupBy(t => (t.Framework, t.Id)).ToDictionary(g => g.Key, g => g.First().State);
    }

    public long Term { get; }

    /// <summary>What the subscriber may see; null: everything.</summary>
    public Security.ViewPermissions? Permissions { get; }

    public ChannelReader<byte[]> Events => events.Reader;

    public CancellationToken Closed => closed.Token;

    public void Enqueue(byte[] json)
    {
        if (!events.Writer.TryWrite(json)) Close();
    }

    /// <param name="current">The registry now, to learn a task's framework's user; needed when the stream has <see cref="Permissions"/>.</param>
    internal void Observe(Effect effect, Registry? current = null)
    {
        lock (gate)
        {
            switch (effect)
            {
                case LaunchTask l when tasks.TryAdd((l.Framework, l.Task.Id), TaskState.Staging) && ShowsTask(l.Framework, current):
                    Enqueue(OperatorEventJson.TaskAdded(l));
                    break;
                case SendUpdate u when Changed(u.Framework, u.Task, u.State) && ShowsTask(u.Framework, current):
                    Enqueue(OperatorEventJson.TaskUpdated(u.Framework, u.Task, null, u.State, u.Reason, u.Message));
                    break;
                case ForwardUpdate f when Changed(f.Framework, f.Task, f.State) && ShowsTask(f.Framework, current):
                    Enqueue(OperatorEventJson.TaskUpdated(f.Framework, f.Task, f.Agent, f.State, null, f.Message));
                    break;
            }
        }
    }

    /// <summary>Whether the subscriber may see tasks of the framework (as the registry last seen, or now, knows its user).</summary>
    private bool ShowsTask(FrameworkId framework, Registry? current) =>
        Permissions is not { } view
        || Security.ViewFilter.ShowsTask(current is not null && current.Frameworks.ContainsKey(framework) ? current : seen, framework, view);

    private bool ShowsFramework(FrameworkRecord framework) => Permissions is not { } view || Security.ViewFilter.ShowsFramework(framework, view);

    private bool Changed(FrameworkId framework, TaskId task, TaskState state)
    {
        var key = (framework, task);
        if (tasks.TryGetValue(key, out var known) && known == state) return false;
        tasks[key] = state;
        if (state.IsTerminal())
        {
            ended.Enqueue(key);
            if (ended.Count > EndedRemembered && ended.Dequeue() is var oldest && tasks.TryGetValue(oldest, out var last) && last.IsTerminal())
                tasks.Remove(oldest);
        }
        return true;
    }

    /// <summary>Agents and frameworks that came, changed or went since the registry this stream last saw.</summary>
    internal void Compare(Registry current)
    {
        lock (gate)
        {
            if (ReferenceEquals(current, seen)) return;
            foreach (var (id, agent) in current.Agents.OrderBy(a => a.Key.Value, StringComparer.Ordinal))
                if (agent.Status == AgentStatus.Active && !(seen.Agents.TryGetValue(id, out var before) && before.Status == AgentStatus.Active))
                    Enqueue(OperatorEventJson.AgentAdded(agent));
            foreach (var (id, _) in seen.Agents.Where(a => a.Value.Status == AgentStatus.Active).OrderBy(a => a.Key.Value, StringComparer.Ordinal))
                if (!(current.Agents.TryGetValue(id, out var now) && now.Status == AgentStatus.Active))
                    Enqueue(OperatorEventJson.AgentRemoved(id));
            foreach (var (id, framework) in current.Frameworks.OrderBy(f => f.Key.Value, StringComparer.Ordinal))
            {
                if (!ShowsFramework(framework)) continue;
                if (!seen.Frameworks.TryGetValue(id, out var before)) Enqueue(OperatorEventJson.FrameworkAdded(framework));
                else if (before != framework) Enqueue(OperatorEventJson.FrameworkUpdated(framework));
            }
            foreach (var (id, framework) in seen.Frameworks.OrderBy(f => f.Key.Value, StringComparer.Ordinal))
                if (!current.Frameworks.ContainsKey(id) && ShowsFramework(framework)) Enqueue(OperatorEventJson.FrameworkRemoved(framework));
            seen = current;
        }
    }

    public void Close()
    {
        events.Writer.TryComplete();
        try { closed.Cancel(); } catch (ObjectDisposedException) { }
    }
}

/// <summary>The operator API's events (<c>mesos.v1.master.Event</c>) in JSON.</summary>
public static class OperatorEventJson
{
    public static byte[] Subscribed(OperatorView view, TimeSpan heartbeat) => Write("SUBSCRIBED", "subscribed", json =>
    {
        json.WritePropertyName("get_state");
        OperatorJson.WriteState(json, view);
        json.WriteNumber("heartbeat_interval_seconds", heartbeat.TotalSeconds);
    });

    public static byte[] TaskAdded(LaunchTask launch) => Write("TASK_ADDED", "task_added", json =>
    {
        json.WritePropertyName("task");
        OperatorJson.WriteTask(json, new TrackedTask(launch.Task.Id, launch.Framework, launch.Agent, launch.Role, launch.Task.Resources, TaskState.Staging)
        {
            Name = launch.Task.Name,
            Executor = launch.Task.Executor?.Id,
        });
    });

    public static byte[] TaskUpdated(FrameworkId framework, TaskId task, AgentId? agent, TaskState state, string? reason, string? message) =>
        Write("TASK_UPDATED", "task_updated", json =>
        {
            OperatorJson.WriteId(json, "framework_id", framework.Value);
            json.WritePropertyName("status");
            OperatorJson.WriteStatus(json, task, agent, state, reason, message);
            json.WriteString("state", state.MesosName());
        });

    public static byte[] AgentAdded(AgentRecord agent) => Write("AGENT_ADDED", "agent_added", json =>
    {
        json.WritePropertyName("agent");
        OperatorJson.WriteAgent(json, agent, core: null);
    });

    public static byte[] AgentRemoved(AgentId agent) => Write("AGENT_REMOVED", "agent_removed", json => OperatorJson.WriteId(json, "agent_id", agent.Value));

    public static byte[] FrameworkAdded(FrameworkRecord framework) => Write("FRAMEWORK_ADDED", "framework_added", json =>
    {
        json.WritePropertyName("framework");
        OperatorJson.WriteFramework(json, framework, core: null);
    });

    public static byte[] FrameworkUpdated(FrameworkRecord framework) => Write("FRAMEWORK_UPDATED", "framework_updated", json =>
    {
        json.WritePropertyName("framework");
        OperatorJson.WriteFramework(json, framework, core: null);
    });

    public static byte[] FrameworkRemoved(FrameworkRecord framework) => Write("FRAMEWORK_REMOVED", "framework_removed", json =>
    {
        json.WritePropertyName("framework_info");
        OperatorJson.WriteFrameworkInfo(json, framework);
    });

    public static byte[] Heartbeat()
    {
        var buffer = new ArrayBufferWriter<byte>(32);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "HEARTBEAT");
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Write(string type, string field, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", type);
            json.WriteStartObject(field);
            body(json);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
