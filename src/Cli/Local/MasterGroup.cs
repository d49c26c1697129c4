using System.Net.Http.Json;
using Mesos.HA.Master;
using Mesos.HA.Protocol;

namespace Mesos.HA.Cli.Local;

/// <summary>
/// A Raft group of master processes on 127.0.0.1 with fresh data directories under one root.
/// Used by the benchmarks, the integration tests and (later) <c>mesos-ha local</c>. Waits are
/// polls with a deadline that say what they saw when they give up.
/// </summary>
public sealed class MasterGroup : IDisposable
{
    private readonly string[] extraArgs;
    private MasterProcess[] masters; // replaced, never changed in place: readers on other threads see a whole list
    private readonly string[] seed;
    private readonly HashSet<MasterProcess> joined = [];

    /// <param name="security">secure mode: every master with TLS, authentication and the restrictive ACL (<see cref="LocalSecurity"/>).</param>
    /// <param name="addressing">each master on its own loopback address, and DNS; by default all on 127.0.0.1 without DNS.</param>
    public MasterGroup(int size, string root, IEnumerable<string>? extraArgs = null, LocalSecurity? security = null, MasterAddressing? addressing = null)
    {
        Root = root;
        Security = security;
        this.extraArgs = extraArgs?.ToArray() ?? [];
        Directory.CreateDirectory(root);
        addressing ??= MasterAddressing.Default;
        var (sharedRaft, sharedHttp) = addressing.Distinct ? (EndPoints.FreePort(), EndPoints.FreePort()) : (0, 0);
        var sharedDns = addressing is { Distinct: true, DnsPort: 0 } ? EndPoints.FreePort() : addressing.DnsPort;
        masters = Enumerable.Range(1, size)
            .Select(i => new MasterProcess(i, addressing.Distinct ? sharedRaft : EndPoints.FreePort(), addressing.Distinct ? sharedHttp : EndPoints.FreePort(),
                Path.Combine(root, $"master-{i}"), Path.Combine(root, $"master-{i}.log"), addressing.HostOf(i), security: security)
            {
                DnsPort = sharedDns is 0 ? EndPoints.FreePort() : sharedDns,
            })
            .ToArray();
        seed = [.. masters.Select(m => m.RaftAddress)];
    }

    /// <summary>A group whose masters are given (own addresses, launchers): network namespaces in chaos tests.</summary>
    public MasterGroup(string root, IReadOnlyList<MasterProcess> masters, IEnumerable<string>? extraArgs = null)
    {
        Root = root;
        this.extraArgs = extraArgs?.ToArray() ?? [];
        Directory.CreateDirectory(root);
        this.masters = [.. masters];
        seed = [.. masters.Select(m => m.RaftAddress)];
    }

    public string Root { get; }

    /// <summary>The secure mode's material; null for a plain group.</summary>
    public LocalSecurity? Security { get; }

    /// <summary>Every master this group started or created, those added later (<see cref="AddMaster"/>) included.</summary>
    public IReadOnlyList<MasterProcess> Masters => Volatile.Read(ref masters);

    /// <summary>The Raft endpoints the group was created with: the seed every original master is started with (also after membership changes).</summary>
    public IEnumerable<string> Peers => seed;

    public void StartAll()
    {
        foreach (var m in Masters) Start(m);
    }

    /// <summary>Starts (or restarts) a master with its original flags: the seed peers, or <c>--join</c> for one added later.</summary>
    public void Start(MasterProcess master) => master.Start(joined.Contains(master) ? [] : Peers, extraArgs, join: joined.Contains(master));

    /// <summary>
    /// A new master with fresh ports and an empty data directory, not started: <see cref="Start"/>
    /// runs it with <c>--join</c>, frozen until the leader adds it (<c>POST /master/members</c>).
    /// </summary>
    public MasterProcess AddMaster()
    {
        var id = masters.Max(m => m.Id) + 1;
        var master = new MasterProcess(id, EndPoints.FreePort(), EndPoints.FreePort(), Path.Combine(Root, $"master-{id}"),
            Path.Combine(Root, $"master-{id}.log"), security: Security);
        Volatile.Write(ref masters, [.. masters, master]);
        joined.Add(master);
        return master;
    }

    /// <summary>
    /// Waits until one running master leads and every running master answering agrees on it, its HTTP
    /// address included (a follower learns that a moment after the leader, and redirects only then).
    /// </summary>
    public Task<MasterProcess> WaitForLeaderAsync(TimeSpan timeout, CancellationToken token = default)
    {
        var seen = "nothing yet";
        return Poll.ForAsync("an agreed leader", async () =>
        {
            var statuses = await StatusesAsync(token);
            var leaders = statuses.Where(s => s.Status?.Role == "leader").ToArray();
            if (leaders.Length == 1)
            {
                var leader = leaders[0];
                // A joining master (standby) knows no leader until it is added. Every other master that
                // answers must be voting and name the leader: one that serves HTTP while its Raft member
                // still warms up is neither voting nor standby yet, and does not agree.
                var agree = statuses.Where(s => s.Status is { Standby: false })
                    .All(s => s.Status!.Voting && s.Status.LeaderRaft == leader.Master.RaftAddress && s.Status.LeaderHttp == leader.Master.HttpAddress);
                if (agree) return leader.Master;
            }
            seen = Describe(statuses);
            return null;
        }, timeout, () => seen, token: token);
    }

    /// <summary>
    /// Waits until a master other than <paramref name="old"/> says it leads. Only the others are asked:
    /// the old leader may be paused or cut off and would stall a request.
    /// </summary>
    public async Task<MasterProcess> WaitForLeaderOtherThanAsync(MasterProcess old, TimeSpan timeout, CancellationToken token = default)
    {
        var others = Masters.Where(m => m != old).ToArray();
        try
        {
            return await Poll.ForAsync($"a new leader replaces m{old.Id}", async () =>
            {
                foreach (var m in others)
                    if (await m.TryStatusAsync(token) is { Role: "leader" }) return m;
                return null;
            }, timeout, interval: TimeSpan.FromMilliseconds(5), token: token);
        }
        catch (TimeoutException e)
        {
            // Every master is asked only now: the old leader may stall a request, which must not delay the polling.
            throw new TimeoutException($"{e.Message}; seen: {Describe(await StatusesAsync(token))}");
        }
    }

    /// <summary>Waits until every running master has applied at least <paramref name="index"/> and holds the same registry.</summary>
    public async Task<string> WaitForConvergenceAsync(long index, TimeSpan timeout, CancellationToken token = default)
    {
        var seen = "nothing yet";
        return await Poll.ForAsync($"the masters converge on index {index}", async () =>
        {
            var statuses = await StatusesAsync(token);
            var running = statuses.Where(s => s.Master.IsRunning).ToArray();
            if (running.All(s => s.Status is not null && s.Status.AppliedIndex >= index)
                && running.Select(s => s.Status!.RegistryDigest).Distinct().Count() == 1)
                return running[0].Status!.RegistryDigest;
            seen = Describe(statuses);
            return null;
        }, timeout, () => seen, TimeSpan.FromMilliseconds(50), token: token);
    }

    public async Task<(MasterProcess Master, StatusDto? Status)[]> StatusesAsync(CancellationToken token = default)
    {
        var tasks = Masters.Select(async m => (m, await m.TryStatusAsync(token))).ToArray();
        return await Task.WhenAll(tasks);
    }

    /// <summary>Writes one role weight through <paramref name="master"/>; returns the HTTP status code (0 when it does not answer).</summary>
    public static async Task<int> TryWriteWeightAsync(MasterProcess master, string role, double weight, TimeSpan timeout,
        CancellationToken token = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
        cts.CancelAfter(timeout);
        try
        {
            using var response = await master.Http.PutAsJsonAsync(master.Url("/master/weights"),
                new[] { new WeightDto(role, weight) }, MasterJsonContext.Default.WeightDtoArray, cts.Token);
            return (int)response.StatusCode;
        }
        catch (Exception e) when (NoAnswer.Is(e))
        {
            return 0;
        }
    }

    /// <summary>The weights read linearizably through <paramref name="master"/> (it must lead), or its own applied copy when <paramref name="local"/>; null when it does not answer 200.</summary>
    public static async Task<WeightDto[]?> TryReadWeightsAsync(MasterProcess master, CancellationToken token = default, bool local = false)
    {
        try
        {
            using var response = await master.Http.GetAsync(master.Url($"/master/weights{(local ? "?local=true" : "")}"), token);
            if (!response.IsSuccessStatusCode) return null;
            return await response.Content.ReadFromJsonAsync(MasterJsonContext.Default.WeightDtoArray, token);
        }
        catch (Exception e) when (NoAnswer.Is(e))
        {
            return null;
        }
    }

    /// <summary>
    /// Who <paramref name="master"/>'s leading core counts as with it, from its <c>/master/state</c>:
    /// the ids of the agents it holds as active and of the frameworks it holds as connected; null when
    /// it does not answer 200 or does not lead.
    /// </summary>
    public static async Task<(HashSet<string> ActiveAgents, HashSet<string> ConnectedFrameworks)?> TryLeaderViewAsync(MasterProcess master,
        CancellationToken token = default)
    {
        try
        {
            using var response = await master.Http.GetAsync(master.Url("/master/state"), token);
            if (!response.IsSuccessStatusCode) return null;
            using var state = await System.Text.Json.JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(token), cancellationToken: token);
            var root = state.RootElement;
            if (root.GetProperty("role").GetString() != "leader") return null;
            HashSet<string> Ids(string array, string flag) => [.. root.GetProperty(array).EnumerateArray()
                .Where(e => e.GetProperty(flag).GetBoolean()).Select(e => e.GetProperty("id").GetString()!)];
            return (Ids("slaves", "active"), Ids("frameworks", "connected"));
        }
        catch (Exception e) when (NoAnswer.OrUnreadable(e) || e is KeyNotFoundException)
        {
            return null;
        }
    }

    private static string Describe((MasterProcess Master, StatusDto? Status)[] statuses) =>
        string.Join("; ", statuses.Select(s => s.Status is { } st
            ? $"m{s.Master.Id}: {st.Role}{(st.Standby ? " (standby)" : "")}{(st.Voting ? "" : " (not voting)")} term {st.Term} leader {st.LeaderRaft ?? "none"} ({st.LeaderHttp ?? "no http"}) applied {st.AppliedIndex} digest {st.RegistryDigest} members [{string.Join(",", st.Members ?? [])}]"
            : $"m{s.Master.Id}: {(s.Master.IsRunning ? "no answer" : "down")}"));

    public void Dispose()
    {
        foreach (var m in Masters) m.Dispose();
    }
}
