using Mesos.HA.Tests.Support;

namespace Mesos.HA.Python.Tests;

/// <summary>A python3 child run from the repository's root with the client on its PYTHONPATH.</summary>
internal static class PythonProcess
{
    /// <summary>The python3 on the PATH, or null when there is none.</summary>
    public static string? Interpreter() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "python3")).FirstOrDefault(File.Exists);

    public static OutputProcess Start(params string[] arguments) => Start(new Dictionary<string, string>(), arguments);

    /// <summary>Starts python3 with <paramref name="arguments"/>, with <paramref name="environment"/> added to its environment.</summary>
    public static OutputProcess Start(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var variables = new Dictionary<string, string>
        {
            ["PYTHONPATH"] = Repository.PythonClient, ["PYTHONUNBUFFERED"] = "1", ["PYTHONDONTWRITEBYTECODE"] = "1",
        };
        foreach (var (name, value) in environment) variables[name] = value;
        return OutputProcess.Start(Interpreter() ?? throw new InvalidOperationException("no python3 on the PATH"), arguments, variables,
            Repository.Root.Value);
    }
}
