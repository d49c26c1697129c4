using System.Text.RegularExpressions;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>
/// The registry is a seam: the leader's decision path (the shell, the agent and framework hubs, the
/// scheduler endpoint) sees it only as <c>IRegistryLeadership</c>, so a simulation can stand in for Raft.
/// Only the composition root, the operator surface (membership, metrics, state) and the replication
/// bench may name <c>ReplicatedRegistry</c>, and they are listed here with the reason.
/// </summary>
public class RegistrySeamTests
{
    private static readonly IReadOnlyDictionary<string, string> Allowed = new Dictionary<string, string>
    {
        ["src/Master/MasterHost.cs"] = "composition root: starts the Raft registry and hands it to the shell as IRegistryLeadership",
        ["src/Master/Operator/"] = "operator surface: membership changes, step-down, Raft metrics and state are Raft's own",
        ["src/Master/Bench/"] = "the replication benchmark measures the Raft registry itself",
        ["src/Master/Dns/"] = "DNS answers from Raft's own view: who leads, the members and their announced HTTP addresses",
    };

    [Fact]
    public void TheLeadersDecisionPath_SeesTheRegistryOnlyThroughItsInterface()
    {
        var root = PureCoreTests.RepositoryRoot();
        var named = new Regex(@"\bReplicatedRegistry\b");
        var offenders = Directory.GetFiles(Path.Combine(root, "src/Master"), "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !f.Contains("/obj/") && !f.Contains("/bin/"))
            .Where(f => !Allowed.Keys.Any(a => a.EndsWith('/') ? f.StartsWith(a, StringComparison.Ordinal) : f == a))
            .Where(f => named.IsMatch(File.ReadAllText(Path.Combine(root, f))))
            .ToArray();
        Assert.True(offenders.Length == 0,
            "these files name ReplicatedRegistry; take IRegistryLeadership (or list the file with a reason): " + string.Join(", ", offenders));
    }
}
