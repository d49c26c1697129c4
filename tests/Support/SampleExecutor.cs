namespace Mesos.HA.Tests.Support;

/// <summary>The sample worker executor (samples/WorkerExecutor), as the command an agent runs to start it.</summary>
public static class SampleExecutor
{
    /// <summary>
    /// The executor from its own build output (same configuration and target framework as the running
    /// tests), started with the same dotnet host: its dependencies sit beside it there, not beside the tests.
    /// </summary>
    public static string Command
    {
        get
        {
            var target = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
            var configuration = target.Parent!;
            var repository = configuration.Parent!.Parent!.Parent!.Parent!.FullName;
            var dll = Path.Combine(repository, "samples", "WorkerExecutor", "bin", configuration.Name, target.Name, "worker-executor.dll");
            if (!File.Exists(dll)) throw new FileNotFoundException($"the sample executor is not built at {dll}", dll);
            return $"'{Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet"}' '{dll}'";
        }
    }
}
