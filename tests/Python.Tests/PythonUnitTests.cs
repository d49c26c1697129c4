using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Python.Tests;

/// <summary>The Python client's own unittest suite (clients/python/tests): messages, JSON, RecordIO, the driver against a fake master.</summary>
public sealed class PythonUnitTests(ITestOutputHelper output)
{
    [PythonFact]
    public async Task PythonClientUnitTests_AllPass()
    {
        using var python = PythonProcess.Start("-m", "unittest", "discover", "-s", "clients/python/tests", "-v");
        int exit;
        try
        {
            exit = await python.WaitForExitAsync("python -m unittest", TimeSpan.FromMinutes(3));
        }
        finally
        {
            output.WriteLine(python.Output);
        }
        Assert.Equal(0, exit);
        Assert.Contains(python.Lines, line => line.StartsWith("OK", StringComparison.Ordinal));
    }
}
