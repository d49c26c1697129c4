namespace Mesos.HA.Tests.Support;

/// <summary>Paths in the repository, found by walking up from the test assembly to Mesos.HA.sln.</summary>
public static class Repository
{
    public static readonly Lazy<string> Root = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Mesos.HA.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException($"no Mesos.HA.sln above {AppContext.BaseDirectory}");
    });

    /// <summary>The Python client's package root (what goes on PYTHONPATH).</summary>
    public static string PythonClient => Path.Combine(Root.Value, "clients", "python");

    /// <summary>The Python example framework.</summary>
    public static string PythonExample => Path.Combine(Root.Value, "samples", "python", "test_framework.py");
}
