using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;
using Mesos.HA.SchedulerDriver;
using V1 = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.Cli.Bench;

/// <summary>
/// One master and one agent process under a bench directory, and a v1 framework subscribed to the
/// leader from this process: what <c>bench launch</c> and <c>bench executor</c> drive their tasks through.
/// Disposing stops both processes and removes the directory (unless kept).
/// </summary>
internal sealed class SingleAgentCluster : IAsyncDisposable
{
    private readonly string root;
    private readonly bool keep;
    private readonly MasterGroup group;
    private readonly HttpClient http = new(new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = 8 }) { Timeout = Timeout.InfiniteTimeSpan };
    private SchedulerConnection? framework;

    private SingleAgentCluster(string name, string agentResources, string logLevel, bool keep)
    {
        root = BenchRoot.Create(name);
        this.keep = keep;
        group = new MasterGroup(1, root, ["--log-level", logLevel]);
        Agent = new AgentProcess("agent", EndPoints.FreePort(), Path.Combine(root, "agent"), Path.Combine(root, "agent.log"),
            group.Masters.Select(m => m.HttpAddress), ["--resources", agentResources, "--log-level", logLevel, "--no-cgroups"]);
    }

    public AgentProcess Agent { get; }

    public SchedulerConnection Framework => framework ?? throw new InvalidOperationException("not started");

    /// <summary>Starts the master, then the agent once it leads, then subscribes a framework named <paramref name="frameworkName"/>.</summary>
    public static async Task<SingleAgentCluster> StartAsync(string name, string agentResources, string logLevel, bool keep, string frameworkName,
        CancellationToken token)
    {
        var cluster = new SingleAgentCluster(name, agentResources, logLevel, keep);
        try
        {
            cluster.group.StartAll();
            var leader = await cluster.group.WaitForLeaderAsync(TimeSpan.FromSeconds(60), token);
            cluster.Agent.Start();
            await Poll.UntilAsync("the agent registers", async () => await cluster.Agent.TryHealthAsync(token) is { Registered: true },
                TimeSpan.FromSeconds(60), token: token);
            cluster.framework = await SchedulerConnection.SubscribeAsync(cluster.http, leader.HttpAddress,
                new V1.FrameworkInfo { User = Environment.UserName, Name = frameworkName }, token);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (framework is not null) await framework.DisposeAsync();
        Agent.Dispose();
        group.Dispose();
        http.Dispose();
        BenchRoot.Cleanup(root, keep);
    }
}
