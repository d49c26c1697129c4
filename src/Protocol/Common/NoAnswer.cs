using System.Net.Sockets;

namespace Mesos.HA.Protocol;

/// <summary>
/// The failures that mean "the peer did not answer" to a best-effort HTTP probe: refused, reset, timed
/// out or cut off. <see cref="HttpClient"/> usually wraps a transport failure in an
/// <see cref="HttpRequestException"/>, but a connection reset between connect and the first request can
/// surface as a bare <see cref="SocketException"/> ("Transport endpoint is not connected"), so a probe
/// that lists only the wrapped form crashes on a peer that is merely starting or stopping.
/// </summary>
public static class NoAnswer
{
    public static bool Is(Exception e) =>
        e is HttpRequestException or SocketException or IOException or TaskCanceledException;

    /// <summary>As <see cref="Is"/>, or an answer that could not be read as JSON.</summary>
    public static bool OrUnreadable(Exception e) => Is(e) || e is System.Text.Json.JsonException;
}
