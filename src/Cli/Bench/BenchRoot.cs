namespace Mesos.HA.Cli.Bench;

internal static class BenchRoot
{
    /// <summary>A fresh directory on the real disk (not tmpfs: the log must really be durable) for one run's masters.</summary>
    public static string Create(string name)
    {
        var root = Path.Combine(Path.GetTempPath(), "mesos-ha-bench", $"{name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        return root;
    }

    public static void Cleanup(string root, bool keep)
    {
        if (keep) { Console.Error.WriteLine($"kept {root}"); return; }
        try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
