using System.Buffers;
using System.Text.Json;
using Mesos.HA.Master.Core;
using Mesos.HA.Master.Security;
using Registry = Mesos.HA.Replication.Registry.Registry;

namespace Mesos.HA.Master.Operator;

/// <summary>
/// Mesos' <c>/master/frameworks</c> and <c>/master/tasks</c>: the frameworks of <c>/master/state</c> (with their
/// tasks), and the tasks alone, in the same shapes, filtered by the reader's view ACLs as the state is.
/// </summary>
public static class StateListsJson
{
    /// <summary>The most tasks one answer lists (Mesos' default is 100; a client pages with <c>offset</c>).</summary>
    public const int MaxTasks = 10_000;

    /// <summary><c>{"frameworks": [...], "completed_frameworks": [], "unregistered_frameworks": []}</c>.</summary>
    public static byte[] Frameworks(Registry registry, CoreView? core, ViewPermissions? view)
    {
        if (view is not null) (registry, core) = ViewFilter.Filter(registry, core, view);
        return Write(json =>
        {
            StateJson.WriteFrameworks(json, registry.Frameworks.Values.OrderBy(f => f.Id.Value, StringComparer.Ordinal), core);
            json.WriteStartArray("completed_frameworks");
            json.WriteEndArray();
            json.WriteStartArray("unregistered_frameworks");
            json.WriteEndArray();
        });
    }

    /// <summary>
    /// <c>{"tasks": [...]}</c>: live tasks then recently completed ones, from <paramref name="offset"/>, at most
    /// <paramref name="limit"/> (bounded by <see cref="MaxTasks"/>). A follower holds no tasks and lists none.
    /// </summary>
    public static byte[] Tasks(Registry registry, CoreView? core, ViewPermissions? view, int limit, int offset)
    {
        if (view is not null) (_, core) = ViewFilter.Filter(registry, core, view);
        var tasks = core is null ? [] : core.Tasks.Concat(core.CompletedTasks).Skip(Math.Max(0, offset)).Take(Math.Clamp(limit, 0, MaxTasks));
        return Write(json => StateJson.WriteTasks(json, "tasks", tasks));
    }

    private static byte[] Write(Action<Utf8JsonWriter> properties)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            properties(json);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
