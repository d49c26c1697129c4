namespace Mesos.HA.Replication;

/// <summary>
/// Watches DotNext's log output for the write-ahead-log fault recorded in shared/notes
/// (<c>WriteAheadLog+MissingPageException</c>: a follower then fails every AppendEntries until its
/// Raft node restarts). DotNext catches and logs the exception inside its transport, so its log is
/// the one place it can be seen. The detector only signals; the owner restarts the node.
/// </summary>
internal sealed class WalFaultDetector
{
    private int signalled;

    /// <summary>Raised once per arming, off the logging thread's critical path (handlers should queue work).</summary>
    public event Action<Exception>? FaultDetected;

    public static bool IsWalFault(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            var name = e.GetType().FullName ?? "";
            if (name.EndsWith("WriteAheadLog+MissingPageException", StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>Reports an exception seen anywhere (logged by DotNext, or caught by us).</summary>
    public void Observe(Exception? exception)
    {
        if (!IsWalFault(exception)) return;
        if (Interlocked.Exchange(ref signalled, 1) == 0) FaultDetected?.Invoke(exception!);
    }

    /// <summary>Allows the next fault to be signalled (after the node was restarted).</summary>
    public void Rearm() => Volatile.Write(ref signalled, 0);
}
