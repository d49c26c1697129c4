using System.Net;

namespace Mesos.HA.ExecutorDriver;

/// <summary>The agent answered a call (or a subscription) with a status other than the expected one.</summary>
public sealed class AgentCallException(string callType, HttpStatusCode status, string body)
    : Exception($"{callType} was answered HTTP {(int)status}{(body.Length > 0 ? ": " + body : "")}")
{
    public HttpStatusCode Status { get; } = status;
}
