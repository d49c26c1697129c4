using System.Net;
using System.Net.Sockets;

namespace Mesos.HA.Protocol;

/// <summary>
/// A process could not start for a reason in its environment (a port taken, a directory it cannot
/// write): the command line prints the message as one line and exits 2.
/// </summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Checks made before a master or an agent starts, so that a bad environment is one clear line, not a stack trace.</summary>
public static class StartupCheck
{
    /// <summary>Creates <paramref name="path"/> if needed and proves it writable with a probe file.</summary>
    public static void WritableDirectory(string path, string flag)
    {
        try
        {
            Directory.CreateDirectory(path);
            var probe = Path.Combine(path, $".write-probe-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new StartupException($"{flag} {path} cannot be used: {e.Message}", e);
        }
    }

    /// <summary>Fails when another process listens on <paramref name="address"/>:<paramref name="port"/> (port 0 picks a free one: nothing to check).</summary>
    public static void PortFree(IPAddress address, int port, string flag)
    {
        if (port == 0) return;
        var listener = new TcpListener(address, port);
        try
        {
            listener.Start();
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse)
        {
            throw new StartupException($"{flag} {address}:{port} is already in use (another process listens there; pick another port)", e);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.AccessDenied)
        {
            throw new StartupException($"{flag} {address}:{port} cannot be listened on: {e.Message}", e);
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>Whether <paramref name="error"/> (or what it wraps) says an address was already in use: a race lost after <see cref="PortFree"/>.</summary>
    public static bool IsAddressInUse(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }) return true; // Kestrel's AddressInUseException wraps one
        return false;
    }
}
