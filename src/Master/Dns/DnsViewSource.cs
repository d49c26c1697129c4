using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Security;
using Mesos.HA.Replication;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Master.Dns;

/// <summary>
/// Keeps what this master's DNS answers from: the leader comes from the Raft member at query time
/// (so <c>leader.mesos</c> moves the instant this master learns of a new leader); the tasks are
/// refreshed every <see cref="RefreshInterval"/>, from the core on the leader and from the
/// leader's <c>/master/dns/tasks</c> on a follower (whose copy counts as known for
/// <see cref="StaleAfter"/>); the masters' addresses are refreshed with them.
/// </summary>
public sealed partial class DnsViewSource : IAsyncDisposable
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(1);

    private readonly ReplicatedRegistry registry;
    private readonly LeaderShell shell;
    private readonly MasterOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly HttpClient http;
    private readonly ConcurrentDictionary<string, IPAddress> httpAddressOfMember = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private Tasks current = new(DnsZone.Empty, [], long.MinValue, Authoritative: false);
    private IReadOnlyList<IPAddress> masters = [];

    private sealed record Tasks(DnsZone Zone, IReadOnlyList<DnsTask> List, long FetchedAt, bool Authoritative);

    public DnsViewSource(ReplicatedRegistry registry, LeaderShell shell, MasterOptions options, TimeProvider time, ILogger logger)
    {
        this.registry = registry;
        this.shell = shell;
        this.options = options;
        this.time = time;
        this.logger = logger;
        http = new HttpClient(Https.Handler(options.Tls, new SocketsHttpHandler { ConnectTimeout = AskTimeout, AllowAutoRedirect = false }), disposeHandler: true)
        {
            Timeout = AskTimeout,
        };
        loop = Task.Run(() => RefreshLoopAsync(stop.Token));
    }

    /// <summary>What a query is answered from, now. Cheap: called on every query.</summary>
    public DnsView View()
    {
        var tasks = Volatile.Read(ref current);
        var leader = registry.Leader is { } l ? LeaderAddress(l) : null;
        var known = tasks.Authoritative ? registry.IsLeader : time.GetTimestamp() - tasks.FetchedAt <= StaleAfter.Ticks * time.TimestampFrequency / TimeSpan.TicksPerSecond
            && tasks.FetchedAt != long.MinValue;
        return new DnsView(leader, Volatile.Read(ref masters), tasks.Zone, known, tasks.Authoritative && registry.IsLeader);
    }

    /// <summary>The running tasks as DNS names them, read from the core (null when this master does not lead).</summary>
    public async Task<IReadOnlyList<DnsTask>?> LeaderTasksAsync(CancellationToken token)
    {
        var agents = registry.LocalRegistry.Agents;
        var frameworks = registry.LocalRegistry.Frameworks;
        return await shell.ReadAsync(core => core.Tasks.Where(t => t.State == TaskState.Running && t.Name.Length > 0)
            .Select(t => agents.TryGetValue(t.Agent, out var agent) && frameworks.TryGetValue(t.Framework, out var framework)
                && AddressOf(agent.Info.Endpoint) is { } address
                    ? new DnsTask(t.Name, framework.Info.Name, t.Id.Value, address.ToString(), PortsOf(t.Resources))
                    : null)
            .OfType<DnsTask>().OrderBy(t => t.TaskId, StringComparer.Ordinal).ToArray(), token).ConfigureAwait(false);
    }

    private async Task RefreshLoopAsync(CancellationToken token)
    {
        using var timer = new PeriodicTimer(RefreshInterval, time);
        do
        {
            try
            {
                await RefreshMastersAsync(token).ConfigureAwait(false);
                await RefreshTasksAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested) { return; }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or System.Text.Json.JsonException
                                          or InvalidOperationException or NotLeaderException)
            {
                LogRefreshFailed(logger, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false));
    }

    private async Task RefreshTasksAsync(CancellationToken token)
    {
        IReadOnlyList<DnsTask>? list;
        bool authoritative;
        if (registry.IsLeader)
        {
            list = await LeaderTasksAsync(token).ConfigureAwait(false);
            authoritative = true;
        }
        else if (registry.Leader is { IsLocal: false, HttpAddress.Length: > 0 } leader)
        {
            using var response = await http.GetAsync(Https.Url(options.Tls, leader.HttpAddress, TasksPath), token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) return;
            list = await response.Content.ReadFromJsonAsync(MasterJsonContext.Default.DnsTaskArray, token).ConfigureAwait(false);
            authoritative = false;
        }
        else return;
        if (list is null) return;
        var previous = Volatile.Read(ref current);
        var zone = SameTasks(previous.List, list) ? previous.Zone : DnsZone.Build(list);
        Volatile.Write(ref current, new Tasks(zone, list, time.GetTimestamp(), authoritative));
    }

    private async Task RefreshMastersAsync(CancellationToken token)
    {
        var addresses = new List<IPAddress>();
        foreach (var member in registry.Members.OrderBy(m => m.RaftEndPoint, StringComparer.Ordinal))
        {
            if (member.IsLocal && AddressOf($"{options.HttpHost}:{options.HttpPort}") is { } own) { addresses.Add(own); continue; }
            if (httpAddressOfMember.TryGetValue(member.RaftEndPoint, out var known)) { addresses.Add(known); continue; }
            if (!IPEndPoint.TryParse(member.RaftEndPoint, out var raft)) continue;
            string? announced = null;
            try
            {
                announced = await registry.HttpAddressOfMemberAsync(raft, AskTimeout, token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
            {
                LogRefreshFailed(logger, $"the HTTP address of {member.RaftEndPoint}: {e.Message}"); // its Raft address stands in
            }
            if (announced is not null && AddressOf(announced) is { } address) httpAddressOfMember[member.RaftEndPoint] = address;
            addresses.Add(httpAddressOfMember.GetValueOrDefault(member.RaftEndPoint) ?? raft.Address);
        }
        Volatile.Write(ref masters, [.. addresses.Distinct()]);
    }

    private DnsView.LeaderAddress? LeaderAddress(LeaderInfo leader)
    {
        if (AddressOf(leader.HttpAddress) is { } address && IPEndPoint.TryParse(leader.HttpAddress, out var http)) return new(address, http.Port);
        return IPEndPoint.TryParse(leader.RaftEndPoint, out var raft) && IPEndPoint.TryParse(leader.HttpAddress, out var port)
            ? new(raft.Address, port.Port) : null;
    }

    /// <summary>The IPv4 address of "ip:port" (IPv4-mapped IPv6 mapped back); null for names, IPv6 and the unspecified address.</summary>
    internal static IPAddress? AddressOf(string endpoint)
    {
        if (!IPEndPoint.TryParse(endpoint, out var parsed)) return null;
        var address = parsed.Address.IsIPv4MappedToIPv6 ? parsed.Address.MapToIPv4() : parsed.Address;
        return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !address.Equals(IPAddress.Any) ? address : null;
    }

    /// <summary>The ports a task holds (at most <see cref="DnsAnswers.MaxRecords"/>: no answer carries more).</summary>
    private static int[] PortsOf(Protocol.Resources.Resources resources)
    {
        var ports = new List<int>();
        foreach (var range in resources.Ranges.Where(r => r.Key.Name == "ports").SelectMany(r => r.Value.Ranges))
            for (var port = Math.Max(range.Begin, 1); port <= Math.Min(range.End, ushort.MaxValue) && ports.Count < DnsAnswers.MaxRecords; port++)
                ports.Add((int)port);
        return [.. ports];
    }

    private static bool SameTasks(IReadOnlyList<DnsTask> a, IReadOnlyList<DnsTask> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Task == p.Second.Task && p.First.Framework == p.Second.Framework
            && p.First.TaskId == p.Second.TaskId && p.First.Address == p.Second.Address && p.First.Ports.SequenceEqual(p.Second.Ports));

    /// <summary>The leader's running tasks as DNS names them (what its DNS serves anyone; served only with <c>--dns</c>).</summary>
    public const string TasksPath = "/master/dns/tasks";

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        try { await loop.ConfigureAwait(false); } catch (OperationCanceledException) { }
        stop.Dispose();
        http.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "DNS: could not refresh the task names: {Reason}")]
    private static partial void LogRefreshFailed(ILogger logger, string reason);
}
