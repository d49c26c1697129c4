using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Replication.Registry;
using Xunit;
using static Mesos.HA.Replication.Tests.Commands;

namespace Mesos.HA.Replication.Tests;

public class RegistryTests
{
    private static Registry.Registry Applied(Registry.Registry registry, RegistryCommand command, CommandStatus expected)
    {
        var outcome = registry.Apply(command);
        Assert.Equal(expected, outcome.Result.Status);
        if (expected == CommandStatus.Applied) Assert.NotEmpty(outcome.Touched);
        else
        {
            Assert.Same(registry, outcome.Next);
            Assert.Empty(outcome.Touched);
        }
        return outcome.Next;
    }

    [Fact]
    public void AdmitAgent_NewAgent_IsActiveWithItsInfo()
    {
        var r = Applied(Registry.Registry.Empty, Admit("a1", at: 42), CommandStatus.Applied);
        var agent = r.Agents[new AgentId("a1")];
        Assert.Equal(AgentStatus.Active, agent.Status);
        Assert.Equal(42, agent.AdmittedAtMs);
        Assert.Equal("host-a1", agent.Info.Hostname);
    }

    [Fact]
    public void AdmitAgent_KnownId_IsRejected()
    {
        var r = Applied(Registry.Registry.Empty, Admit("a1"), CommandStatus.Applied);
        Applied(r, Admit("a1"), CommandStatus.Rejected);
    }

    [Fact]
    public void AdmitAgent_AtAgentLimit_IsRejected()
    {
        var r = Registry.Registry.Empty.WithLimits(new RegistryLimits(MaxAgents: 1));
        r = Applied(r, Admit("a1"), CommandStatus.Applied);
        Applied(r, Admit("a2"), CommandStatus.Rejected);
    }

    [Fact]
    public void MarkAgentUnreachable_ActiveAgent_RecordsTime_AndRepeatIsUnchanged()
    {
        var r = Applied(Registry.Registry.Empty, Admit("a1"), CommandStatus.Applied);
        r = Applied(r, new MarkAgentUnreachable(new AgentId("a1"), 5000), CommandStatus.Applied);
        Assert.Equal(AgentStatus.Unreachable, r.Agents[new AgentId("a1")].Status);
        Assert.Equal(5000, r.Agents[new AgentId("a1")].UnreachableSinceMs);
        var again = Applied(r, new MarkAgentUnreachable(new AgentId("a1"), 9000), CommandStatus.Unchanged);
        Assert.Equal(5000, again.Agents[new AgentId("a1")].UnreachableSinceMs);
    }

    [Fact]
    public void MarkAgentUnreachable_UnknownAgent_IsRejected() =>
        Applied(Registry.Registry.Empty, new MarkAgentUnreachable(new AgentId("nope"), 1), CommandStatus.Rejected);

    [Fact]
    public void ReadmitAgent_UnreachableAgent_BecomesActiveWithNewInfo()
    {
        var r = Applied(Registry.Registry.Empty, Admit("a1"), CommandStatus.Applied);
        r = Applied(r, new MarkAgentUnreachable(new AgentId("a1"), 5000), CommandStatus.Applied);
        r = Applied(r, new ReadmitAgent(AgentNamed("a1", "cpus:8;mem:16384"), 6000), CommandStatus.Applied);
        var agent = r.Agents[new AgentId("a1")];
        Assert.Equal(AgentStatus.Active, agent.Status);
        Assert.Null(agent.UnreachableSinceMs);
        Assert.Equal("cpus:8;mem:16384", agent.Info.Resources);
    }

    [Fact]
    public void ReadmitAgent_ActiveWithSameInfo_IsUnchanged_UnknownIsRejected()
    {
        var r = Applied(Registry.Registry.Empty, Admit("a1"), CommandStatus.Applied);
        Applied(r, new ReadmitAgent(AgentNamed("a1"), 6000), CommandStatus.Unchanged);
        Applied(r, new ReadmitAgent(AgentNamed("a2"), 6000), CommandStatus.Rejected);
    }

    [Fact]
    public void MarkAgentGone_ThenReadmit_IsRejected_AndGoneIsFinal()
    {
        var r = Applied(Registry.Registry.Empty, Admit("a1"), CommandStatus.Applied);
        r = Applied(r, new MarkAgentGone(new AgentId("a1"), 7000), CommandStatus.Applied);
        Assert.Equal(AgentStatus.Gone, r.Agents[new AgentId("a1")].Status);
        Assert.Equal(7000, r.Agents[new AgentId("a1")].GoneAtMs);
        Applied(r, new ReadmitAgent(AgentNamed("a1"), 8000), CommandStatus.Rejected);
        Applied(r, new MarkAgentUnreachable(new AgentId("a1"), 8000), CommandStatus.Rejected);
        Applied(r, new MarkAgentGone(new AgentId("a1"), 9000), CommandStatus.Unchanged);
    }

    [Fact]
    public void RemoveAgent_ForgetsIt_UnknownIsRejected()
    {
        var r = Applied(Registry.Registry.Empty, Admit("a1"), CommandStatus.Applied);
        r = Applied(r, new RemoveAgent(new AgentId("a1")), CommandStatus.Applied);
        Assert.Empty(r.Agents);
        Applied(r, new RemoveAgent(new AgentId("a1")), CommandStatus.Rejected);
    }

    [Fact]
    public void AddFramework_New_IsConnected_DuplicateIsRejected()
    {
        var r = Applied(Registry.Registry.Empty, AddFramework("f1", timeoutMs: 30_000, at: 10), CommandStatus.Applied);
        var f = r.Frameworks[new FrameworkId("f1")];
        Assert.Null(f.DisconnectedAtMs);
        Assert.Equal(30_000, f.FailoverTimeoutMs);
        Assert.Equal(10, f.RegisteredAtMs);
        Applied(r, AddFramework("f1"), CommandStatus.Rejected);
    }

    [Fact]
    public void UpdateFramework_Disconnect_KeepsFirstDisconnectTime_AcrossRepeats()
    {
        var r = Applied(Registry.Registry.Empty, AddFramework("f1"), CommandStatus.Applied);
        var id = new FrameworkId("f1");
        r = Applied(r, new UpdateFramework(id, null, null, FrameworkConnectionChange.Disconnected, 5000), CommandStatus.Applied);
        Assert.Equal(5000, r.Frameworks[id].DisconnectedAtMs);
        // A new leader noticing the same disconnect later must not restart the failover timeout.
        r = Applied(r, new UpdateFramework(id, null, null, FrameworkConnectionChange.Disconnected, 9000), CommandStatus.Unchanged);
        Assert.Equal(5000, r.Frameworks[id].DisconnectedAtMs);
        r = Applied(r, new UpdateFramework(id, null, null, FrameworkConnectionChange.Connected, 9500), CommandStatus.Applied);
        Assert.Null(r.Frameworks[id].DisconnectedAtMs);
    }

    [Fact]
    public void UpdateFramework_PartialFields_LeaveTheOthers()
    {
        var r = Applied(Registry.Registry.Empty, AddFramework("f1", timeoutMs: 1000), CommandStatus.Applied);
        var id = new FrameworkId("f1");
        r = Applied(r, new UpdateFramework(id, null, 99_000, FrameworkConnectionChange.Unchanged, 1), CommandStatus.Applied);
        Assert.Equal(99_000, r.Frameworks[id].FailoverTimeoutMs);
        Assert.Equal("marathon", r.Frameworks[id].Info.Name);
        r = Applied(r, new UpdateFramework(id, Framework("chronos"), null, FrameworkConnectionChange.Unchanged, 1), CommandStatus.Applied);
        Assert.Equal("chronos", r.Frameworks[id].Info.Name);
        Assert.Equal(99_000, r.Frameworks[id].FailoverTimeoutMs);
        Applied(r, new UpdateFramework(new FrameworkId("zz"), null, 1, FrameworkConnectionChange.Unchanged, 1), CommandStatus.Rejected);
    }

    [Fact]
    public void RemoveFramework_Forgets_UnknownIsRejected()
    {
        var r = Applied(Registry.Registry.Empty, AddFramework("f1"), CommandStatus.Applied);
        r = Applied(r, new RemoveFramework(new FrameworkId("f1")), CommandStatus.Applied);
        Assert.Empty(r.Frameworks);
        Applied(r, new RemoveFramework(new FrameworkId("f1")), CommandStatus.Rejected);
    }

    [Fact]
    public void SetWeights_SetsAndResetsToDefault()
    {
        var r = Applied(Registry.Registry.Empty, new SetWeights([new("web", 2.5), new("batch", 0.5)]), CommandStatus.Applied);
        Assert.Equal(2.5, r.WeightOf("web"));
        Assert.Equal(0.5, r.WeightOf("batch"));
        Assert.Equal(1.0, r.WeightOf("other"));
        r = Applied(r, new SetWeights([new("web", 1.0)]), CommandStatus.Applied);
        Assert.False(r.Weights.ContainsKey("web"));
        Applied(r, new SetWeights([new("batch", 0.5)]), CommandStatus.Unchanged);
    }

    [Fact]
    public void SetQuota_SetsReplacesAndRemoves()
    {
        var r = Applied(Registry.Registry.Empty, new SetQuota(new QuotaRecord("web", "cpus:4", "cpus:8")), CommandStatus.Applied);
        Assert.Equal("cpus:8", r.Quotas["web"].Limits);
        Applied(r, new SetQuota(new QuotaRecord("web", "cpus:4", "cpus:8")), CommandStatus.Unchanged);
        r = Applied(r, new SetQuota(new QuotaRecord("web", "cpus:2", "")), CommandStatus.Applied);
        Assert.Equal("cpus:2", r.Quotas["web"].Guarantees);
        r = Applied(r, new SetQuota(new QuotaRecord("web", "", "")), CommandStatus.Applied);
        Assert.Empty(r.Quotas);
        Applied(r, new SetQuota(new QuotaRecord("web", "", "")), CommandStatus.Unchanged);
    }

    [Fact]
    public void Apply_IsDeterministic_SameCommandsGiveSameDigest()
    {
        RegistryCommand[] log =
        [
            Admit("a2"), Admit("a1"), AddFramework("f1"), new SetWeights([new("web", 3)]),
            new MarkAgentUnreachable(new AgentId("a1"), 50), new SetQuota(new QuotaRecord("web", "cpus:1", "")),
        ];
        var one = log.Aggregate(Registry.Registry.Empty, (r, c) => r.Apply(c).Next);
        var two = log.Aggregate(Registry.Registry.Empty, (r, c) => r.Apply(c).Next);
        Assert.Equal(RegistryCodec.Digest(one), RegistryCodec.Digest(two));
        Assert.NotEqual(RegistryCodec.Digest(one), RegistryCodec.Digest(Registry.Registry.Empty));
    }

    [Fact]
    public void DeactivateDrainReactivate_KeepTheAgentsMaintenanceState_AndAGoneAgentRefusesThem()
    {
        var a1 = new AgentId("a1");
        var r = Applied(Registry.Registry.Empty, Admit("a1"), CommandStatus.Applied);
        Applied(r, new ReactivateAgent(a1), CommandStatus.Unchanged);
        Applied(r, new MarkAgentDrained(a1), CommandStatus.Unchanged); // not draining: nothing to mark
        r = Applied(r, new DeactivateAgent(a1), CommandStatus.Applied);
        Assert.Equal(new AgentMaintenance(Draining: false, MaxGraceMs: null, MarkGone: false, Drained: false), r.Agents[a1].Maintenance);
        Applied(r, new DeactivateAgent(a1), CommandStatus.Unchanged);
        r = Applied(r, new DrainAgent(a1, 2_000, MarkGone: true), CommandStatus.Applied);
        Assert.Equal(new AgentMaintenance(Draining: true, 2_000, MarkGone: true, Drained: false), r.Agents[a1].Maintenance);
        Applied(r, new DeactivateAgent(a1), CommandStatus.Unchanged); // deactivating a draining agent leaves the drain
        r = Applied(r, new MarkAgentDrained(a1), CommandStatus.Applied);
        Assert.True(r.Agents[a1].Maintenance!.Drained);
        Applied(r, new MarkAgentDrained(a1), CommandStatus.Unchanged);
        // Draining a drained agent again with other settings keeps it drained (nothing is left on it to kill).
        r = Applied(r, new DrainAgent(a1, null, MarkGone: false), CommandStatus.Applied);
        Assert.Equal(new AgentMaintenance(Draining: true, null, MarkGone: false, Drained: true), r.Agents[a1].Maintenance);
        r = Applied(r, new ReactivateAgent(a1), CommandStatus.Applied);
        Assert.Null(r.Agents[a1].Maintenance);
        Applied(r, new DrainAgent(new AgentId("nope"), null, false), CommandStatus.Rejected);
        r = Applied(r, new MarkAgentGone(a1, 9), CommandStatus.Applied);
        Applied(r, new DeactivateAgent(a1), CommandStatus.Rejected);
        Applied(r, new DrainAgent(a1, null, false), CommandStatus.Rejected);
    }

    [Fact]
    public void Image_RoundTrip_PreservesEverything()
    {
        var r = new RegistryCommand[]
        {
            Admit("a1"), Admit("a2"), Admit("a3"), AddFramework("f1"), new SetWeights([new("web", 3)]),
            new SetQuota(new QuotaRecord("web", "cpus:1", "cpus:2")), new MarkAgentGone(new AgentId("a2"), 9),
            new DrainAgent(new AgentId("a3"), 1_500, MarkGone: false),
        }.Aggregate(Registry.Registry.Empty, (reg, c) => reg.Apply(c).Next);
        var back = RegistryCodec.DecodeImage(RegistryCodec.EncodeImage(r));
        Assert.Equal(RegistryCodec.Digest(r), RegistryCodec.Digest(back));
        Assert.Equal(AgentStatus.Gone, back.Agents[new AgentId("a2")].Status);
        Assert.Equal(new AgentMaintenance(Draining: true, 1_500, MarkGone: false, Drained: false), back.Agents[new AgentId("a3")].Maintenance);
        Assert.Null(back.Agents[new AgentId("a1")].Maintenance);
        var fromRecords = Registry.Registry.FromRecords(r.AllRecords().Select(x => x.Record));
        Assert.Equal(RegistryCodec.Digest(r), RegistryCodec.Digest(fromRecords));
    }

    [Fact]
    public void DecodeImage_Garbage_IsInvalidData() =>
        Assert.Throws<InvalidDataException>(() => RegistryCodec.DecodeImage(new byte[] { 0xc1, 0x00, 0x13 }));
}
