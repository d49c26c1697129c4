using Mesos.HA.Protocol;

namespace Mesos.HA.Cli.Local;

/// <summary>
/// A whole cluster on 127.0.0.1 as child processes: a quorum of masters and some agents, with fresh
/// data under one root. Everything it started is stopped on dispose (and exits with this process).
/// </summary>
public sealed class LocalCluster : IDisposable
{
    /// <param name="agentArgs">further options for every agent (e.g. <c>--executor-registration-timeout 5secs</c>).</param>
    /// <param name="security">secure mode (TLS, authentication, the restrictive ACL) for every master and agent.</param>
    public LocalCluster(int masters, int agents, string root, string logLevel, string agentResources, IEnumerable<string>? agentArgs = null,
        LocalSecurity? security = null, MasterAddressing? addressing = null)
    {
        Root = root;
        Security = security;
        Masters = new MasterGroup(masters, root, ["--log-level", logLevel], security, addressing);
        Agents = [.. Enumerable.Range(1, agents).Select(i => new AgentProcess($"agent-{i}", EndPoints.FreePort(),
            Path.Combine(root, $"agent-{i}"), Path.Combine(root, $"agent-{i}.log"), Masters.Masters.Select(m => m.HttpAddress),
            ["--resources", agentResources, "--log-level", logLevel, .. agentArgs ?? []], security))];
    }

    /// <summary>The secure mode's material; null for a plain cluster.</summary>
    public LocalSecurity? Security { get; }

    public string Root { get; }
    public MasterGroup Masters { get; }
    public IReadOnlyList<AgentProcess> Agents { get; }
    public IReadOnlyList<string> MasterAddresses => [.. Masters.Masters.Select(m => m.HttpAddress)];

    public void Start()
    {
        Masters.StartAll();
        foreach (var agent in Agents) agent.Start();
    }

    /// <summary>Waits until every agent is registered with a leader (with <paramref name="leader"/> when given); says which were not on timeout.</summary>
    public async Task WaitForAgentsAsync(TimeSpan timeout, CancellationToken token, string? leader = null)
    {
        Mesos.HA.Agent.AgentHealthDto?[] health = [];
        await Poll.UntilAsync("every agent registers", async () =>
            {
                health = await Task.WhenAll(Agents.Select(a => a.TryHealthAsync(token)));
                return health.All(h => h is { Registered: true } && (leader is null || h.Leader == leader));
            }, timeout,
            () => "not registered: " + string.Join(", ", Agents.Zip(health).Where(p => p.Second is not { Registered: true }).Select(p => p.First.Name)),
            TimeSpan.FromMilliseconds(50), token: token);
    }

    public void Dispose()
    {
        foreach (var agent in Agents) agent.Dispose();
        Masters.Dispose();
    }
}
