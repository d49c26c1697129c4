namespace Mesos.HA.Protocol.Health;

/// <summary>What one probe saw: passed or failed, and a short message saying why.</summary>
public readonly record struct ProbeResult(bool Passed, string Message)
{
    public static ProbeResult Pass(string message) => new(true, message);

    public static ProbeResult Fail(string message) => new(false, message);
}
