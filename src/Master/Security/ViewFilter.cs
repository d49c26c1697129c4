using System.Collections.Immutable;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Registry = Mesos.HA.Replication.Registry.Registry;

namespace Mesos.HA.Master.Security;

/// <summary>
/// The state a principal may see, as Mesos shows it: frameworks it may not view are absent, and so are
/// their tasks and executors; of a visible framework, tasks and executors it may not view are absent.
/// Nothing else is touched (agents, roles, counts and metrics stay whole). A task or executor runs as its
/// framework's user (this master's tasks carry no user of their own); one of a framework the registry no
/// longer holds runs as the empty user, which only an ANY rule (or a permissive default) shows.
/// </summary>
public static class ViewFilter
{
    /// <summary>The frameworks of <paramref name="registry"/>, and the core's frameworks, tasks and executors, that <paramref name="view"/> allows.</summary>
    public static (Registry Registry, CoreView? Core) Filter(Registry registry, CoreView? core, ViewPermissions view)
    {
        var visible = registry.Frameworks.Where(f => view.CanViewFramework(f.Value.Info.User)).ToImmutableDictionary();
        var filtered = visible.Count == registry.Frameworks.Count ? registry : registry.WithFrameworks(visible);
        if (core is null) return (filtered, null);
        string UserOf(FrameworkId id) => registry.Frameworks.TryGetValue(id, out var f) ? f.Info.User : "";
        bool Shown(FrameworkId id) => view.CanViewFramework(UserOf(id));
        return (filtered, core with
        {
            Frameworks = [.. core.Frameworks.Where(f => Shown(f.Id))],
            Tasks = [.. core.Tasks.Where(t => Shown(t.Framework) && view.CanViewTask(UserOf(t.Framework)))],
            CompletedTasks = [.. core.CompletedTasks.Where(t => Shown(t.Framework) && view.CanViewTask(UserOf(t.Framework)))],
            Executors = [.. core.Executors.Where(e => Shown(e.Framework) && view.CanViewExecutor(UserOf(e.Framework)))],
        });
    }

    /// <summary>The operator API's picture of the state, as <paramref name="view"/> may see it.</summary>
    public static Operator.V1.OperatorView Filter(Operator.V1.OperatorView state, ViewPermissions view)
    {
        var (registry, core) = Filter(state.Registry, state.Core, view);
        return new Operator.V1.OperatorView(registry, core!);
    }

    /// <summary>Whether <paramref name="view"/> may see a task (or its events) of framework <paramref name="framework"/>.</summary>
    public static bool ShowsTask(Registry registry, FrameworkId framework, ViewPermissions view)
    {
        var user = registry.Frameworks.TryGetValue(framework, out var f) ? f.Info.User : "";
        return view.CanViewFramework(user) && view.CanViewTask(user);
    }

    /// <summary>Whether <paramref name="view"/> may see the framework (or its events).</summary>
    public static bool ShowsFramework(FrameworkRecord framework, ViewPermissions view) => view.CanViewFramework(framework.Info.User);
}
