using System.Globalization;

namespace Mesos.HA.Protocol;

/// <summary>A <c>host:port</c> endpoint as agents and masters write them (an IPv6 host in brackets).</summary>
public readonly record struct HostPort(string Host, int Port)
{
    /// <summary>Splits at the last colon; with no port (or one that is not a number) the whole text is the host and the port 0.</summary>
    public static HostPort Parse(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        return colon > 0 && int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? new HostPort(endpoint[..colon], port)
            : new HostPort(endpoint, 0);
    }

    /// <summary>The host without the brackets of an IPv6 address.</summary>
    public string Ip => Host.StartsWith('[') && Host.EndsWith(']') ? Host[1..^1] : Host;
}
