using Mesos.HA.Tests.Support;
using System.Buffers.Binary;
using System.Net;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Agent.Tests;

/// <summary>The agent channel of real masters, spoken to by hand: followers redirect, bad input is refused without harm.</summary>
public sealed class AgentChannelTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = ClusterHarness.Deadline;

    private static readonly HttpMessageInvoker Channels = new(new SocketsHttpHandler { UseProxy = false });

    private static Task<Stream> OpenAsync(string master) => AgentChannelClient.OpenAsync(Channels, master, CancellationToken.None);

    private static async Task<AgentFrame> NextAsync(Stream stream, Func<AgentMessage, bool>? skip = null)
    {
        using var timeout = new CancellationTokenSource(Wait);
        while (true)
        {
            var read = await FrameCodec.ReadAsync(stream, timeout.Token);
            var frame = Assert.IsType<FrameRead.Ok>(read).Frame;
            if (frame.Message is Ping or Pong || skip?.Invoke(frame.Message) == true) continue;
            return frame;
        }
    }

    [Fact]
    public async Task Follower_AnswersARegistrationWithTheLeader()
    {
        await using var cluster = new ClusterHarness(3, output);
        var leader = await cluster.LeaderAsync();
        var follower = cluster.Group.Masters.First(m => m.Id != leader.Id);
        await using var stream = await OpenAsync(follower.HttpAddress);
        await stream.WriteAsync(FrameCodec.Encode(0, new RegisterAgent("h", "cpus:1;mem:64", new Dictionary<string, string>(), 5051)));
        var answer = Assert.IsType<NotLeader>((await NextAsync(stream)).Message);
        Assert.Equal(leader.HttpAddress, answer.LeaderHttp);
    }

    [Fact]
    public async Task PlainGet_WithoutUpgrade_Is426()
    {
        await using var cluster = new ClusterHarness(1, output);
        var leader = await cluster.LeaderAsync();
        using var http = new HttpClient();
        var response = await http.GetAsync($"http://{leader.HttpAddress}{FrameCodec.ChannelPath}");
        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
    }

    [Fact]
    public async Task MalformedFrames_UnknownIds_AndOversizedFrames_AreRefused_AndTheMasterKeepsServing()
    {
        await using var cluster = new ClusterHarness(1, output);
        var leader = await cluster.LeaderAsync();
        var agent = await cluster.StartAgentAsync();

        // Not a registration first: refused.
        await using (var stream = await OpenAsync(leader.HttpAddress))
        {
            await stream.WriteAsync(FrameCodec.Encode(0, new Pong(1)));
            Assert.Contains("expected a registration", Assert.IsType<ProtocolError>((await NextAsync(stream)).Message).Message);
        }

        await using (var stream = await OpenAsync(leader.HttpAddress))
        {
            // Bad resources in a registration: refused, nothing admitted.
            await stream.WriteAsync(FrameCodec.Encode(0, new RegisterAgent("h", "cpus:lots", new Dictionary<string, string>(), 1)));
            Assert.Contains("bad resources", Assert.IsType<ProtocolError>((await NextAsync(stream)).Message).Message);
        }

        await using (var stream = await OpenAsync(leader.HttpAddress))
        {
            await stream.WriteAsync(FrameCodec.Encode(0, new RegisterAgent("rogue", "cpus:1;mem:64", new Dictionary<string, string>(), 1)));
            Assert.IsType<AgentRegistered>((await NextAsync(stream)).Message);
            // Garbage in a well-framed payload: an error back, the session goes on.
            await stream.WriteAsync(new byte[] { 0, 0, 0, 2, 0xc1, 0xc1 });
            Assert.IsType<ProtocolError>((await NextAsync(stream)).Message);
            // An update for a framework and task nobody knows: acknowledged by the master (the framework is gone), not forwarded.
            var uuid = Guid.NewGuid();
            await stream.WriteAsync(FrameCodec.Encode(0, new StatusUpdate(new FrameworkId("nobody"), new TaskId("nothing"), TaskState.Finished, uuid, "", "", 0)));
            var ack = Assert.IsType<AcknowledgeUpdate>((await NextAsync(stream)).Message);
            Assert.Equal(uuid, ack.Uuid);
            // A frame claiming 100 MB: the master hangs up.
            var header = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(header, 100 * 1024 * 1024);
            await stream.WriteAsync(header);
            using var timeout = new CancellationTokenSource(Wait);
            FrameRead read;
            do read = await FrameCodec.ReadAsync(stream, timeout.Token);
            while (read is FrameRead.Ok { Frame.Message: Ping or Pong });
            Assert.IsType<FrameRead.Closed>(read);
        }

        // The real agent was never disturbed, and the master still answers.
        Assert.True((await agent.TryHealthAsync())!.Registered);
        Assert.NotNull(await leader.TryStatusAsync());
        // The master's logger writes in the background: its last lines may land a moment after the hang-up they explain.
        string[] expected = ["expected a registration first", "undecodable frame", "104857600-byte frame", "unknown framework nobody"];
        var log = "";
        await Poll.UntilAsync("the master logs each refusal", async () =>
        {
            log = await File.ReadAllTextAsync(leader.LogFile);
            return expected.All(line => log.Contains(line, StringComparison.Ordinal));
        }, Wait, () => "missing: " + string.Join(", ", expected.Where(line => !log.Contains(line, StringComparison.Ordinal))));
    }
}
