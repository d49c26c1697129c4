using System.Security.Cryptography;
using System.Text;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.Replication.Registry;

namespace Mesos.HA.Master.Agents;

/// <summary>
/// What a leader does with an agent's (re-)registration, decided from the message and the registry
/// alone: the core's input, or an answer that ends the connection. One decision for the agent hub and
/// for the simulator's master.
/// </summary>
internal abstract record RegistrationPlan
{
    /// <summary>Feed <see cref="Input"/> to the core; <see cref="Info"/> is the agent it registers.</summary>
    public sealed record Proceed(AgentInfo Info, MasterInput Input, bool Again) : RegistrationPlan;

    /// <summary>The message cannot be accepted (a protocol error): the agent may fix it and try again.</summary>
    public sealed record Refuse(string Reason) : RegistrationPlan;

    /// <summary>The agent must not run here (declared gone, its machine DOWN): it is told to shut down.</summary>
    public sealed record ShutDown(AgentId? Agent, string Reason) : RegistrationPlan;

    /// <summary>
    /// Plans <paramref name="registration"/>. A first registration carrying a token gets the id derived from
    /// it, so a retried registration (its answer lost, the attempt timed out, the leader died after the
    /// write committed) names the same agent: if the registry already holds that agent it comes back as a
    /// re-registration with no tasks (it never learnt its id, so it launched nothing), instead of a second
    /// agent for one machine. Without a token (older agents) the id is <paramref name="randomId"/>'s.
    /// </summary>
    /// <param name="endpointFor">The agent's address for offers, given the HTTP port it advertises.</param>
    public static RegistrationPlan Of(AgentMessage registration, Func<int, string> endpointFor, Registry registry, Func<AgentId> randomId)
    {
        AgentInfo info;
        MasterInput input;
        var again = true;
        switch (registration)
        {
            case RegisterAgent fresh:
                if (!ResourceText.TryParse(fresh.Resources, out _, out var error)) return new Refuse($"bad resources: {error}");
                if (fresh.Token is { } token && !IsWellFormed(token))
                    return new Refuse($"bad registration token: {TokenRule}");
                var id = fresh.Token is { } t ? IdOf(t) : randomId();
                info = new AgentInfo(id, fresh.Hostname, endpointFor(fresh.HttpPort), fresh.Resources, fresh.Attributes);
                var retried = registry.Agents.GetValueOrDefault(id);
                if (retried?.Status == AgentStatus.Gone) return new ShutDown(id, $"agent {id} was declared gone");
                again = retried is not null;
                input = retried is null
                    ? new AgentRegistering(info)
                    : AgentWire.Reregistering(info, new ReregisterAgent(info, []), inRegistry: true, wasUnreachable: retried.Status == AgentStatus.Unreachable);
                break;
            case ReregisterAgent back:
                if (AgentWire.BadResources(back) is { } bad) return new Refuse($"bad resources: {bad}");
                info = back.Info with { Endpoint = endpointFor(PortOf(back.Info.Endpoint)) };
                var known = registry.Agents.GetValueOrDefault(info.Id);
                if (known?.Status == AgentStatus.Gone) return new ShutDown(info.Id, $"agent {info.Id} was declared gone");
                input = AgentWire.Reregistering(info, back, inRegistry: known is not null, wasUnreachable: known?.Status == AgentStatus.Unreachable);
                break;
            default:
                return new Refuse($"expected a registration, got {registration.GetType().Name}");
        }
        // As Mesos: an agent on a machine in maintenance is told to shut down; it may come back once the machine is UP.
        if (registry.MachineOf(info) is { Mode: MachineMode.Down } down)
            return new ShutDown(info.Id, $"machine {down.Id} is DOWN for maintenance");
        return new Proceed(info, input, again);
    }

    /// <summary>The agent id a registration token stands for: not the token itself, which stays the agent's secret.</summary>
    public static AgentId IdOf(string token) =>
        new($"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)))[..32]}-S0");

    private const string TokenRule = "32 to 128 letters, digits, '-' or '_'";

    private static bool IsWellFormed(string token) =>
        token.Length is >= 32 and <= 128 && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static int PortOf(string endpoint) => HostPort.Parse(endpoint).Port;
}
