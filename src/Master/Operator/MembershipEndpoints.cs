using Mesos.HA.Protocol.Security;
using Mesos.HA.Protocol;
using System.Net;
using System.Net.Http.Json;
using Mesos.HA.Replication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Mesos.HA.Master.Operator;

/// <summary>
/// The Raft group's membership and leader hand-off, served by the leader (followers answer 307 to
/// it, 503 when no leader is known):
/// <c>GET /master/members</c>, <c>POST /master/members?raft=ip:port</c> (add a master started with
/// <c>--join</c>), <c>DELETE /master/members?raft=ip:port</c>, <c>POST /master/step-down</c>.
/// One change at a time: a change while another runs is 409 and changes nothing.
/// </summary>
public static class MembershipEndpoints
{
    public const string MembersPath = "/master/members";
    public const string StepDownPath = "/master/step-down";

    public static void Map(WebApplication app, ReplicatedRegistry registry, TimeProvider time)
    {
        app.MapGet(MembersPath, (HttpContext http) =>
        {
            // ?local=true: this master's own applied configuration (any master, also a joining one).
            if (http.Request.Query["local"] != "true" && !registry.IsLeader)
                return MasterHost.NotLeader(new NotLeaderException(registry.Leader), MembersPath);
            return Results.Json(new MembersDto(Members(registry)), MasterJsonContext.Default.MembersDto);
        });
        // Typed as Func so that the IResult is written (as a RequestDelegate it would be discarded).
        app.MapPost(MembersPath, (Func<HttpContext, Task<IResult>>)(http => ChangeAsync(http, registry, time, add: true)));
        app.MapDelete(MembersPath, (Func<HttpContext, Task<IResult>>)(http => ChangeAsync(http, registry, time, add: false)));
        app.MapPost(StepDownPath, async (HttpContext http) =>
        {
            try
            {
                var term = registry.LeadershipTerm ?? registry.Term;
                await registry.StepDownAsync(http.RequestAborted);
                return Results.Json(new StepDownDto(registry.Options.RaftEndPoint.ToString(), term), MasterJsonContext.Default.StepDownDto);
            }
            catch (NotLeaderException e)
            {
                return MasterHost.NotLeader(e, StepDownPath);
            }
        });
    }

    private static async Task<IResult> ChangeAsync(HttpContext http, ReplicatedRegistry registry, TimeProvider time, bool add)
    {
        var text = http.Request.Query["raft"].ToString();
        if (string.IsNullOrWhiteSpace(text)) return MasterHost.BadRequest("give the master's Raft endpoint as ?raft=ip:port");
        if (!IPEndPoint.TryParse(text, out var endPoint) || endPoint.Port == 0)
            return MasterHost.BadRequest($"'{text}' is not ip:port (a Raft endpoint by IP address, as the masters' --raft)");
        try
        {
            var result = add
                ? await registry.AddMemberAsync(endPoint, http.RequestAborted)
                : await registry.RemoveMemberAsync(endPoint, http.RequestAborted);
            if (add && result.Status == MembershipChangeStatus.Done)
                result = await ConfirmVotingAsync(registry, endPoint, time, http.RequestAborted);
            var status = result.Status switch
            {
                MembershipChangeStatus.Done => StatusCodes.Status200OK,
                MembershipChangeStatus.NotMember => StatusCodes.Status404NotFound,
                MembershipChangeStatus.NotCaughtUp => StatusCodes.Status504GatewayTimeout,
                _ => StatusCodes.Status409Conflict,
            };
            return status == StatusCodes.Status200OK
                ? Results.Json(new MembersDto(Members(registry), result.Message), MasterJsonContext.Default.MembersDto)
                : Results.Json(new ErrorDto(result.Message), MasterJsonContext.Default.ErrorDto, statusCode: status);
        }
        catch (NotLeaderException e)
        {
            return MasterHost.NotLeader(e, $"{MembersPath}?raft={Uri.EscapeDataString(text)}");
        }
    }

    /// <summary>
    /// The new configuration is committed, but the new master cannot vote until it has learned it
    /// (DotNext grants votes only to members of the configuration it holds): until then, losing the
    /// leader can leave the group without a majority of voters. The add is answered only once the new
    /// master reports itself voting, or says that it has not yet.
    /// </summary>
    private static async Task<MembershipChangeResult> ConfirmVotingAsync(ReplicatedRegistry registry, IPEndPoint endPoint, TimeProvider time,
        CancellationToken token)
    {
        var deadline = time.GetUtcNow() + VotingConfirmation;
        string? address = null;
        using var probe = new HttpClient(Https.Handler(registry.Options.Tls,
            new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromMilliseconds(500), UseProxy = false })) { Timeout = TimeSpan.FromSeconds(1) };
        while (time.GetUtcNow() < deadline)
        {
            try
            {
                address ??= await registry.HttpAddressOfMemberAsync(endPoint, TimeSpan.FromSeconds(1), token);
                if (address is not null && await VotingAsync(probe, Https.Url(registry.Options.Tls, address, "/health"), token)) return new(MembershipChangeStatus.Done, $"{endPoint} added and voting");
            }
            catch (NotLeaderException)
            {
                break; // the change is committed; the new leader's heartbeats carry the configuration to it
            }
            await Task.Delay(TimeSpan.FromMilliseconds(20), time, token);
        }
        return new(MembershipChangeStatus.NotCaughtUp,
            $"{endPoint} was added, but has not confirmed that it votes within {VotingConfirmation.TotalSeconds:F0} s (until it does, the group tolerates one failure fewer); check its /health");
    }

    private static readonly TimeSpan VotingConfirmation = TimeSpan.FromSeconds(5);
    private static async Task<bool> VotingAsync(HttpClient probe, string healthUrl, CancellationToken token)
    {
        try
        {
            var status = await probe.GetFromJsonAsync(healthUrl, MasterJsonContext.Default.StatusDto, token);
            return status is { Voting: true };
        }
        catch (Exception e) when (NoAnswer.OrUnreadable(e))
        {
            return false;
        }
    }

    private static MemberDto[] Members(ReplicatedRegistry registry) =>
        [.. registry.Members.Select(m => new MemberDto(m.RaftEndPoint, m.IsLeader, m.Status))];
}
