using Mesos.HA.Protocol.Http;
using System.Buffers;
using System.Text.Json;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;

namespace Mesos.HA.Master.Scheduler;

/// <summary>Where an offer's agent can be reached, for the offer's <c>hostname</c> and <c>url</c>.</summary>
public sealed record AgentAddress(string Hostname, string Ip, int Port);

/// <summary>Writes scheduler events exactly in the Mesos v1 JSON shape.</summary>
public static class SchedulerEventJson
{
    public static byte[] Subscribed(FrameworkId framework, TimeSpan heartbeat) => Write(json =>
    {
        json.WriteString("type", "SUBSCRIBED");
        json.WriteStartObject("subscribed");
        WriteId(json, "framework_id", framework.Value);
        json.WriteNumber("heartbeat_interval_seconds", heartbeat.TotalSeconds);
        json.WriteEndObject();
    });

    public static byte[] Offers(IReadOnlyList<Offer> offers, Func<AgentId, AgentAddress> addressOf) => Write(json =>
    {
        json.WriteString("type", "OFFERS");
        json.WriteStartObject("offers");
        json.WriteStartArray("offers");
        foreach (var offer in offers)
        {
            var address = addressOf(offer.Agent);
            json.WriteStartObject();
            WriteId(json, "id", offer.Id.Value);
            WriteId(json, "framework_id", offer.Framework.Value);
            WriteId(json, "agent_id", offer.Agent.Value);
            json.WriteString("hostname", address.Hostname);
            json.WriteStartObject("url");
            json.WriteString("scheme", "http");
            json.WriteStartObject("address");
            json.WriteString("hostname", address.Hostname);
            json.WriteString("ip", address.Ip);
            json.WriteNumber("port", address.Port);
            json.WriteEndObject();
            json.WriteString("path", "/slave(1)");
            json.WriteEndObject();
            json.WritePropertyName("resources");
            ResourceJson.Write(json, offer.Resources, offer.Role);
            json.WriteStartObject("allocation_info");
            json.WriteString("role", offer.Role);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    });

    public static byte[] Rescind(OfferId offer) => Write(json =>
    {
        json.WriteString("type", "RESCIND");
        json.WriteStartObject("rescind");
        WriteId(json, "offer_id", offer.Value);
        json.WriteEndObject();
    });

    /// <summary>An UPDATE. <paramref name="uuid"/> is set for updates from agents (they must be acknowledged), null for the master's own.</summary>
    public static byte[] Update(TaskId task, AgentId? agent, TaskState state, Guid? uuid, string message, string reason, DateTimeOffset at) => Write(json =>
    {
        json.WriteString("type", "UPDATE");
        json.WriteStartObject("update");
        json.WriteStartObject("status");
        WriteId(json, "task_id", task.Value);
        json.WriteString("state", state.MesosName());
        json.WriteString("source", uuid is null ? "SOURCE_MASTER" : "SOURCE_EXECUTOR");
        if (agent is { } a) WriteId(json, "agent_id", a.Value);
        if (message.Length > 0) json.WriteString("message", message);
        if (reason.Length > 0) json.WriteString("reason", reason);
        if (uuid is { } u) json.WriteString("uuid", Convert.ToBase64String(u.ToByteArray()));
        json.WriteNumber("timestamp", at.ToUnixTimeMilliseconds() / 1000.0);
        json.WriteEndObject();
        json.WriteEndObject();
    });

    public static byte[] Error(string message) => Write(json =>
    {
        json.WriteString("type", "ERROR");
        json.WriteStartObject("error");
        json.WriteString("message", message);
        json.WriteEndObject();
    });

    /// <summary>FAILURE for a lost agent (no executor id).</summary>
    public static byte[] AgentFailure(AgentId agent) => Write(json =>
    {
        json.WriteString("type", "FAILURE");
        json.WriteStartObject("failure");
        WriteId(json, "agent_id", agent.Value);
        json.WriteEndObject();
    });

    public static byte[] Heartbeat() => Write(json => json.WriteString("type", "HEARTBEAT"));

    private static void WriteId(Utf8JsonWriter json, string name, string value)
    {
        json.WriteStartObject(name);
        json.WriteString("value", value);
        json.WriteEndObject();
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

}
