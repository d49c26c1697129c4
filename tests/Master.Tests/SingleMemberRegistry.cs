using System.Net;
using System.Net.Sockets;
using Mesos.HA.Protocol;
using Mesos.HA.Replication;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesos.HA.Master.Tests;

/// <summary>A real one-member Raft registry in a fresh directory, leading once started; for the shell's and the hubs' tests.</summary>
internal sealed class SingleMemberRegistry : IAsyncDisposable
{
    private readonly string dir;

    private SingleMemberRegistry(string dir, ReplicatedRegistry registry)
    {
        this.dir = dir;
        Registry = registry;
    }

    public ReplicatedRegistry Registry { get; }

    public static async Task<SingleMemberRegistry> StartAsync(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", name + "-" + Guid.NewGuid().ToString("N")[..12]);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endpoint = (IPEndPoint)listener.LocalEndpoint;
        listener.Stop();
        var registry = await ReplicatedRegistry.StartAsync(new ReplicationOptions
        {
            RaftEndPoint = endpoint, Members = [endpoint], DataDirectory = dir, HttpAddress = "127.0.0.1:5050",
        }, NullLoggerFactory.Instance);
        await Until("the registry leads", () => registry.IsLeader);
        return new SingleMemberRegistry(dir, registry);
    }

    /// <summary>Polls <paramref name="condition"/> on the real clock for up to 20 s, running <paramref name="step"/> (advancing a fake clock) after each miss; throws naming the phase.</summary>
    public static Task Until(string phase, Func<bool> condition, Action? step = null) =>
        Poll.UntilAsync(phase, () =>
        {
            if (condition()) return true;
            step?.Invoke();
            return false;
        }, TimeSpan.FromSeconds(20), interval: TimeSpan.FromMilliseconds(10));

    public async ValueTask DisposeAsync()
    {
        await Registry.DisposeAsync();
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }
}
