using System.Net;
using System.Net.Sockets;
using Mesos.HA.Master.Agents;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Replication;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>The leader's agent hub over a real socket and a real (single-member) registry, with fake time for the core's checks.</summary>
public sealed class AgentHubTests : IAsyncLifetime
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 30, 2, 0, 0, TimeSpan.Zero));
    private ReplicatedRegistry registry = null!;

    private SingleMemberRegistry single = null!;

    public async Task InitializeAsync()
    {
        single = await SingleMemberRegistry.StartAsync("hub");
        registry = single.Registry;
    }

    public async Task DisposeAsync() => await single.DisposeAsync();

    [Fact]
    public async Task AgentMarkedUnreachable_WhileItsConnectionStaysOpen_HasItsSessionEnded_SoItReregisters()
    {
        await using var rig = await HubRig.StartAsync(registry, time);
        await using var agent = await rig.ConnectAsync(40000);
        agent.TrySend(0, new RegisterAgent("host-a", "cpus:2;mem:512", new Dictionary<string, string>(), 5051));
        var id = await ReadUntilAsync<AgentRegistered>(agent, "registration");
        Assert.Equal(AgentStatus.Active, registry.LocalRegistry.Agents[id.Agent].Status);

        // The agent stalls: it answers no ping, but its connection stays open. The core's clock
        // runs past the ping timeouts, so the core marks it unreachable.
        await Until("the core marks the silent agent unreachable",
            () => registry.LocalRegistry.Agents[id.Agent].Status == AgentStatus.Unreachable,
            () => time.Advance(TimeSpan.FromMilliseconds(500)));

        // Its session must end: otherwise the agent believes itself registered with a master that
        // will never offer its resources again (the chaos suite's stalls).
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            FrameRead read;
            try { read = await agent.ReadAsync(deadline.Token); }
            catch (OperationCanceledException) { throw new TimeoutException("the hub kept the unreachable agent's session open"); }
            catch (IOException) { break; }
            if (read is not FrameRead.Ok) break; // closed by the master
        }
        Assert.Equal(0, rig.Hub.Connected);
    }

    [Fact]
    public async Task ASessionOfATermThisMasterNoLongerLeads_IsEndedAtTheNextPingInterval_EvenWhenTheLossWasNotHeard()
    {
        await using var rig = await HubRig.StartAsync(registry, time);
        await using var agent = await rig.ConnectAsync(40030);
        agent.TrySend(0, new RegisterAgent("host-d", "cpus:2;mem:512", new Dictionary<string, string>(), 5051));
        await ReadUntilAsync<AgentRegistered>(agent, "registration");

        // The shell stops leading and the hub hears nothing of it: as when a registration decided just before the
        // loss stands its session up again after the hub ended the term's sessions (10,000 agents, leadership
        // changing under load: thousands of agents held by a follower, never sent to the leader).
        await rig.Shell.DisposeAsync();
        Assert.Equal(1, rig.Hub.Connected);
        time.Advance(TimeSpan.FromSeconds(1));
        await ReadUntilAsync<NotLeader>(agent, "the next ping interval");
        await Until("the stale session is gone", () => rig.Hub.Connected == 0);
    }

    [Fact]
    public async Task AnAgentThatKeepsTalking_StaysReachable_PastManyPingTimeouts_AndIsMarkedUnreachableOnceSilent()
    {
        await using var rig = await HubRig.StartAsync(registry, time);
        await using var agent = await rig.ConnectAsync(40010);
        agent.TrySend(0, new RegisterAgent("host-b", "cpus:2;mem:512", new Dictionary<string, string>(), 5051));
        var id = (await ReadUntilAsync<AgentRegistered>(agent, "registration")).Agent;
        // Twelve ping periods (more than twice the five a silent agent is allowed): each period the agent
        // pings and hears the pong (so the hub has read it), the clock moves on, and the core's check runs.
        for (var period = 1; period <= 12; period++)
        {
            agent.TrySend(0, new Ping(period));
            while ((await ReadUntilAsync<AgentMessage>(agent, $"period {period}")) is not Pong { Sequence: var answered } || answered != period) { }
            var checks = rig.Shell.Metrics.AllocationRuns.Count;
            time.Advance(TimeSpan.FromSeconds(1));
            await Until($"period {period}: the leader's periodic check ran", () => rig.Shell.Metrics.AllocationRuns.Count > checks);
            Assert.Equal(AgentStatus.Active, registry.LocalRegistry.Agents[id].Status);
        }
        // Silent from now on: marked unreachable once five periods pass without a frame.
        await Until("the silent agent is marked unreachable", () => registry.LocalRegistry.Agents[id].Status == AgentStatus.Unreachable,
            () => time.Advance(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task WhatTheReregistrationDecisionSendsTheAgent_FollowsItsAgentRegistered_InsteadOfBeingLost()
    {
        await using var rig = await HubRig.StartAsync(registry, time);
        var first = await rig.ConnectAsync(40021);
        first.TrySend(0, new RegisterAgent("host-c", "cpus:2;mem:512", new Dictionary<string, string>(), 5051));
        var id = (await ReadUntilAsync<AgentRegistered>(first, "registration")).Agent;
        await first.DisposeAsync();

        // It comes back running an executor of a framework nobody knows: the decision tells it to shut that executor down.
        await using var second = await rig.ConnectAsync(40022);
        var orphan = new RunningExecutor(new FrameworkId("ghost"), "*", new ExecutorSpec("e1", "e1", "sleep 60", "cpus:0.1;mem:32"));
        second.TrySend(0, new ReregisterAgent(registry.LocalRegistry.Agents[id].Info, [], [orphan]));
        var messages = new List<AgentMessage>();
        while (messages.LastOrDefault() is not ShutdownExecutor)
            messages.Add(await ReadUntilAsync<AgentMessage>(second, $"the orphan's shutdown (seen: {string.Join(", ", messages.Select(m => m.GetType().Name))})"));
        Assert.IsType<AgentRegistered>(messages.First(m => m is not Ping));
        Assert.Equal(new ShutdownExecutor(new FrameworkId("ghost"), "e1"), messages.Last());
    }

    [Fact]
    public async Task ARegistrationRetriedOnANewConnection_AfterTheFirstAnswerWasLost_IsTheSameAgent_NotASecondOne()
    {
        await using var rig = await HubRig.StartAsync(registry, time);
        const string token = "4f1c0b7e9a2d4c55b0e3a9d17f6e2c48-retried-registration";
        var registration = new RegisterAgent("host-a", "cpus:2;mem:512", new Dictionary<string, string>(), 5051, token);

        // The first attempt's answer is lost: the agent sends and hangs up without reading.
        var first = await rig.ConnectAsync(40001);
        first.TrySend(0, registration);
        await Until("the first attempt's admission is written", () => registry.LocalRegistry.Agents.Count == 1);
        await first.DisposeAsync();

        // The agent retries with the same token: the registry already holds it, so it is the same agent.
        await using var second = await rig.ConnectAsync(40002);
        second.TrySend(0, registration);
        var registered = await ReadUntilAsync<AgentRegistered>(second, "the retried registration");
        Assert.Equal(RegistrationPlan.IdOf(token), registered.Agent);
        var only = Assert.Single(registry.LocalRegistry.Agents.Values);
        Assert.Equal(registered.Agent, only.Info.Id);
        Assert.Equal(AgentStatus.Active, only.Status);
        await Until("the retried agent holds the only session", () => rig.Hub.Connected == 1);

        // A token that breaks the rules is refused with a reason, and adds no agent.
        await using var third = await rig.ConnectAsync(40003);
        third.TrySend(0, registration with { Token = "short" });
        Assert.Contains("bad registration token", (await ReadUntilAsync<ProtocolError>(third, "the malformed token")).Message);
        Assert.Single(registry.LocalRegistry.Agents);
    }

    /// <summary>A leading shell, its agent hub, and a loopback listener whose connections the hub serves; all ended on dispose.</summary>
    private sealed class HubRig : IAsyncDisposable
    {
        private readonly TcpListener listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource stop = new();
        private readonly List<Task> serving = [];
        private readonly List<IDisposable> clients = [];

        private HubRig(LeaderShell shell, AgentHub hub)
        {
            Shell = shell;
            Hub = hub;
            listener.Start();
        }

        public LeaderShell Shell { get; }
        public AgentHub Hub { get; }

        public static async Task<HubRig> StartAsync(ReplicatedRegistry registry, TimeProvider time)
        {
            var router = new EffectRouter();
            var shell = new LeaderShell(registry, new LeaderShellOptions(), time, router, NullLogger.Instance);
            var hub = new AgentHub(registry, shell, time, NullLogger.Instance, TimeSpan.FromSeconds(1));
            router.Agents = hub;
            await Until("the shell leads", () => shell.Term is not null);
            return new HubRig(shell, hub);
        }

        /// <summary>An agent's connection, served by the hub as if from <c>127.0.0.1:port</c>; the client closes it by disposing the channel.</summary>
        public async Task<FrameChannel> ConnectAsync(int port)
        {
            var client = new TcpClient();
            clients.Add(client);
            await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
            var server = await listener.AcceptTcpClientAsync();
            serving.Add(Hub.ServeAsync(server.GetStream(), $"127.0.0.1:{port}", stop.Token).ContinueWith(_ => server.Dispose(), TaskScheduler.Default));
            return new FrameChannel(client.GetStream(), TimeProvider.System);
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await Task.WhenAll(serving).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
            listener.Stop();
            listener.Dispose();
            foreach (var client in clients) client.Dispose();
            Hub.Dispose();
            await Shell.DisposeAsync();
            stop.Dispose();
        }
    }

    private static async Task<T> ReadUntilAsync<T>(FrameChannel channel, string phase) where T : AgentMessage
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            FrameRead read;
            try { read = await channel.ReadAsync(deadline.Token); }
            catch (OperationCanceledException) { throw new TimeoutException($"{phase}: no {typeof(T).Name} within 20 s"); }
            switch (read)
            {
                case FrameRead.Ok { Frame.Message: T wanted }: return wanted;
                case FrameRead.Ok: continue;
                default: throw new InvalidOperationException($"{phase}: the channel ended ({read.GetType().Name})");
            }
        }
    }

    private static Task Until(string phase, Func<bool> condition, Action? step = null) => SingleMemberRegistry.Until(phase, condition, step);
}
