using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Replication.Tests;

/// <summary>Well-formed commands for tests.</summary>
internal static class Commands
{
    public static AgentInfo AgentNamed(string id, string resources = "cpus:4;mem:8192") =>
        new(new AgentId(id), $"host-{id}", $"10.0.0.1:5051", resources, new Dictionary<string, string> { ["rack"] = "r1" });

    public static FrameworkInfo Framework(string name = "marathon", params string[] roles) =>
        new(name, "root", roles.Length == 0 ? ["*"] : roles, ["PARTITION_AWARE"], null, null, null);

    public static AdmitAgent Admit(string id, long at = 1000) => new(AgentNamed(id), at);

    public static AddFramework AddFramework(string id, long timeoutMs = 60_000, long at = 1000) =>
        new(new FrameworkId(id), Framework(), timeoutMs, at);
}
