using Mesos.HA.Protocol.Agent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Mesos.HA.Master.Agents;

/// <summary>
/// <c>GET /api/v1/agent-channel</c> with <c>Upgrade: mesos-ha-agent/1</c>: the HTTP connection becomes
/// the agent's persistent frame channel (one port per master serves HTTP and agents alike).
/// </summary>
public static class AgentChannel
{
    public const string Path = FrameCodec.ChannelPath;
    private const string Protocol = FrameCodec.UpgradeProtocol;

    public static async Task AcceptAsync(HttpContext http, AgentHub hub, CancellationToken stopping)
    {
        var upgrade = http.Features.Get<IHttpUpgradeFeature>();
        var wanted = http.Request.Headers.Upgrade.ToString();
        if (upgrade is not { IsUpgradableRequest: true } || !wanted.StartsWith(Protocol, StringComparison.OrdinalIgnoreCase))
        {
            http.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            http.Response.Headers.Upgrade = $"{Protocol}/{FrameCodec.Version}";
            await http.Response.WriteAsync($"the agent channel needs 'Connection: Upgrade' and 'Upgrade: {Protocol}/1'", http.RequestAborted);
            return;
        }
        http.Response.Headers.Upgrade = wanted;
        var stream = await upgrade.UpgradeAsync();
        var remote = http.Connection.RemoteIpAddress is { } ip ? $"{ip}:{http.Connection.RemotePort}" : "unknown";
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, http.RequestAborted);
        await hub.ServeAsync(stream, remote, linked.Token);
    }
}
