namespace Mesos.HA.Python.Tests;

/// <summary>Paths in the repository, found by walking up from the test assembly to Mesos.HA.sln.</summary>
internal static class Repository
{
    public static readonly Lazy<string> Root = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Mesos.HA.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException($"no Mesos.HA.sln above {AppContext.BaseDirectory}");
    });

    public static string ClientPath => Path.Combine(Root.Value, "clients", "python");

    public static string ExampleFramework => Path.Combine(Root.Value, "samples", "python", "test_framework.py");
}
