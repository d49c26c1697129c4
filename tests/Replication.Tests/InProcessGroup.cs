using System.Net;
using Mesos.HA.Cli;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesos.HA.Replication.Tests;

/// <summary>Raft members as <see cref="ReplicatedRegistry"/> instances in this process, on loopback ports, with their own data directories.</summary>
internal sealed class InProcessGroup : IAsyncDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "inproc-" + Guid.NewGuid().ToString("N")[..12]);

    private InProcessGroup(ReplicationOptions[] options) => Options = options;

    public ReplicationOptions[] Options { get; private set; }
    public ReplicatedRegistry?[] Members { get; private set; } = [];

    public static async Task<InProcessGroup> StartAsync(int size, Func<ReplicationOptions, ReplicationOptions>? configure = null)
    {
        var endpoints = Enumerable.Range(0, size).Select(_ => new IPEndPoint(IPAddress.Loopback, EndPoints.FreePort())).ToArray();
        var group = new InProcessGroup([]);
        var options = endpoints.Select((ep, i) => new ReplicationOptions
        {
            RaftEndPoint = ep,
            Members = endpoints,
            DataDirectory = Path.Combine(group.root, $"m{i}"),
            HttpAddress = $"127.0.0.1:{10000 + i}",
            SnapshotIntervalEntries = 16,
        }).Select(o => configure?.Invoke(o) ?? o).ToArray();
        group = new InProcessGroup(options);
        group.Members = await Task.WhenAll(options.Select(o => ReplicatedRegistry.StartAsync(o, NullLoggerFactory.Instance)));
        return group;
    }

    public async Task<ReplicatedRegistry> LeaderAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < deadline)
        {
            var leaders = Members.Where(m => m is { IsLeader: true }).ToArray();
            if (leaders.Length == 1) return leaders[0]!;
            await Task.Delay(10);
        }
        throw new TimeoutException("no leader: " + string.Join("; ", Members.Select((m, i) =>
            m is null ? $"m{i} stopped" : $"m{i} leader={m.IsLeader} term={m.Term} applied={m.AppliedIndex}")));
    }

    /// <summary>Proposes through whoever leads, retrying when leadership moves (as a real client does).</summary>
    public async Task<Registry.CommandResult> ProposeAsync(Mesos.HA.Protocol.Registry.RegistryCommand command)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var leader = await LeaderAsync();
            try
            {
                return await leader.ProposeAsync(command);
            }
            catch (NotLeaderException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }
        }
    }

    /// <summary>Starts a new member with <c>Join</c> and an empty data directory: frozen until the leader adds it. Returns its index.</summary>
    public async Task<int> StartJoiningAsync()
    {
        var index = Options.Length;
        var options = Options[0] with
        {
            RaftEndPoint = new IPEndPoint(IPAddress.Loopback, EndPoints.FreePort()),
            Members = [],
            Join = true,
            DataDirectory = Path.Combine(root, $"m{index}"),
            HttpAddress = $"127.0.0.1:{10000 + index}",
        };
        Options = [.. Options, options];
        Members = [.. Members, await ReplicatedRegistry.StartAsync(options, NullLoggerFactory.Instance)];
        return index;
    }

    /// <summary>Starts member <paramref name="index"/> again on its data directory with its original options.</summary>
    public async Task RestartAsync(int index)
    {
        await StopAsync(index);
        Members[index] = await ReplicatedRegistry.StartAsync(Options[index], NullLoggerFactory.Instance);
    }

    public async Task StopAsync(int index)
    {
        if (Members[index] is { } m) await m.DisposeAsync();
        Members[index] = null;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var m in Members)
            if (m is not null) await m.DisposeAsync();
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }
}
