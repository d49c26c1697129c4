using Xunit;

namespace Mesos.HA.Python.Tests;

/// <summary>Runs when a <c>python3</c> is on the PATH; skipped, saying so, otherwise.</summary>
public sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute()
    {
        if (PythonProcess.Interpreter() is null) Skip = "needs python3 on the PATH (the Python client and its example framework are run with it)";
    }
}
