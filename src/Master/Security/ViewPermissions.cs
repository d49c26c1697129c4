using System.Collections.Concurrent;
using Mesos.HA.Protocol.Security;

namespace Mesos.HA.Master.Security;

/// <summary>
/// What one principal may see of frameworks, tasks and executors: Mesos' <c>view_frameworks</c>,
/// <c>view_tasks</c> and <c>view_executors</c>, each by the user the object runs as. Decisions are
/// remembered per user (a cluster has few), so a large state costs one ACL lookup per user and action.
/// Safe to use from several threads (an event stream's watcher and its subscription both ask).
/// </summary>
public sealed class ViewPermissions
{
    private readonly Acls acls;
    private readonly ConcurrentDictionary<(string Action, string User), bool> decided = new();

    private ViewPermissions(Acls acls, string? principal)
    {
        this.acls = acls;
        Principal = principal;
    }

    /// <summary>The principal (null: unauthenticated) whose view this is.</summary>
    public string? Principal { get; }

    /// <summary>The permissions of <paramref name="principal"/>; null when the ACLs let everyone see everything (then nothing is filtered).</summary>
    public static ViewPermissions? Of(Acls acls, string? principal) =>
        acls.Restricts("view_frameworks") || acls.Restricts("view_tasks") || acls.Restricts("view_executors") ? new(acls, principal) : null;

    public bool CanViewFramework(string user) => Allows("view_frameworks", user);

    public bool CanViewTask(string user) => Allows("view_tasks", user);

    public bool CanViewExecutor(string user) => Allows("view_executors", user);

    private bool Allows(string action, string user) =>
        decided.GetOrAdd((action, user), static (key, self) => self.acls.Allows(key.Action, self.Principal, key.User), this);
}
