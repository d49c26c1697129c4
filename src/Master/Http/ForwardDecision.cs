using Mesos.HA.Replication;

namespace Mesos.HA.Master.Http;

/// <summary>
/// What a master started with <c>--forward-to-leader</c> does with one request (<see cref="LeaderForwarding"/>):
/// serve it itself, proxy it to the leader at <see cref="Leader"/>, or first wait (bounded) to learn who leads.
/// A pure function of the request's method, path and markers and of what this master knows of the leader.
/// </summary>
public readonly record struct ForwardDecision(ForwardDecision.Kind Action, string? Leader = null)
{
    public enum Kind
    {
        /// <summary>This master answers, as without the flag (it leads, the request does not need the leader, or it was forwarded already).</summary>
        Serve,

        /// <summary>Proxy the request to the leader's HTTP address <see cref="Leader"/>.</summary>
        Forward,

        /// <summary>The request needs the leader and none is known yet: wait for one, then decide again (serving it if still none).</summary>
        AwaitLeader,
    }

    /// <summary>Marks a request one master forwarded to another (its value: the forwarding master's HTTP address). Never forwarded again.</summary>
    public const string ForwardedHeader = "Mesos-HA-Forwarded";

    public static readonly ForwardDecision Serve = new(Kind.Serve);
    public static readonly ForwardDecision AwaitLeader = new(Kind.AwaitLeader);

    /// <summary>The methods of each path that only the leader answers (a follower answers them 307 without the flag).</summary>
    /// <remarks>
    /// What a follower answers from its own state stays local: health, <c>/master/redirect</c>, state and metrics
    /// reads, <c>?local=true</c> reads. So do the membership endpoints and step-down, which an operator addresses to a
    /// chosen master on purpose (and <c>mesos-ha masters</c> follows their redirect).
    /// </remarks>
    private static readonly IReadOnlyDictionary<string, string[]> LeaderRoutes = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
    {
        [Scheduler.SchedulerEndpoint.Path] = ["POST"],
        [Operator.V1.OperatorApi.Path] = ["POST"],
        ["/maintenance/schedule"] = ["GET", "POST"],
        ["/maintenance/status"] = ["GET"],
        ["/machine/down"] = ["POST"],
        ["/machine/up"] = ["POST"],
        [Operator.V1.OperatorApi.TeardownPaths[0]] = ["POST"],
        [Operator.V1.OperatorApi.TeardownPaths[1]] = ["POST"],
        ["/master/weights"] = ["GET", "PUT"],
        ["/bench/replication"] = ["POST"],
    };

    /// <summary>Whether only the leader answers this request. <paramref name="localRead"/>: the query asks for this master's own copy (<c>?local=true</c>).</summary>
    public static bool NeedsLeader(string method, string path, bool localRead)
    {
        // Routing matches a path with one trailing slash too.
        if (path.Length > 1 && path.EndsWith('/')) path = path[..^1];
        if (!LeaderRoutes.TryGetValue(path, out var methods) || !methods.Contains(method, StringComparer.OrdinalIgnoreCase)) return false;
        return !(localRead && string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase));
    }

    /// <param name="forwarded">the request carries <see cref="ForwardedHeader"/>: another master forwarded it here.</param>
    /// <param name="leading">this master leads.</param>
    /// <param name="leader">the leader this master knows of; null, or without an HTTP address, while it is learning.</param>
    public static ForwardDecision Decide(string method, string path, bool localRead, bool forwarded, bool leading, LeaderInfo? leader)
    {
        if (!NeedsLeader(method, path, localRead)) return Serve;
        // Loop protection: a forwarded request is answered here, 307 or 503 when this master does not lead.
        if (forwarded || leading) return Serve;
        if (leader is { IsLocal: false, HttpAddress.Length: > 0 } known) return new(Kind.Forward, known.HttpAddress);
        // No leader known, its address not learned yet, or this master named leader while it does not lead (just
        // elected, or just stepped down and not yet told who follows): served now, it would be a 307 or a 503.
        return AwaitLeader;
    }
}
