using System.Globalization;
using Mesos.HA.Protocol.Health;
using Xunit;

namespace Mesos.HA.Protocol.Tests.Health;

/// <summary>The command probe running real shells; every test checks that nothing it started is left running.</summary>
public sealed class CommandProbeTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly DirectoryInfo sandbox = Directory.CreateTempSubdirectory("health-check-");

    public void Dispose() => sandbox.Delete(recursive: true);

    private CommandProbe Probe(string command, IReadOnlyDictionary<string, string>? environment = null) =>
        new(command, sandbox.FullName, environment ?? new Dictionary<string, string>(), TimeProvider.System);

    [Fact]
    public async Task Check_ExitZero_Passes()
    {
        Assert.Equal(ProbeResult.Pass("the command exited with 0"), await Probe("exit 0").CheckAsync(Timeout, CancellationToken.None));
    }

    [Fact]
    public async Task Check_ExitNonZero_FailsQuotingStderr()
    {
        var result = await Probe("echo out; echo 'not ready' >&2; exit 3").CheckAsync(Timeout, CancellationToken.None);
        Assert.Equal(ProbeResult.Fail("the command exited with 3: not ready"), result);
    }

    [Fact]
    public async Task Check_ExitNonZero_QuotesStdoutWhenStderrIsEmpty_CutAtTheLimit()
    {
        var result = await Probe("printf 'x%.0s' $(seq 1 300); exit 1").CheckAsync(Timeout, CancellationToken.None);
        Assert.Equal(ProbeResult.Fail("the command exited with 1: " + new string('x', CommandProbe.QuotedOutputCharsMax) + "…"), result);
    }

    [Fact]
    public async Task Check_RunsInTheWorkingDirectory_WithTheEnvironment()
    {
        var env = new Dictionary<string, string> { ["HEALTH_WORD"] = "ready" };
        var result = await Probe("test \"$(pwd -P)\" = \"$(cd \"$EXPECTED_DIR\" && pwd -P)\" && test \"$HEALTH_WORD\" = ready",
            new Dictionary<string, string>(env) { ["EXPECTED_DIR"] = sandbox.FullName }).CheckAsync(Timeout, CancellationToken.None);
        Assert.True(result.Passed, result.Message);
        Assert.False((await Probe("test \"$HEALTH_WORD\" = ready").CheckAsync(Timeout, CancellationToken.None)).Passed);
    }

    [Fact]
    public async Task Check_RunsInItsOwnProcessGroup()
    {
        var result = await Probe("test \"$(ps -o pgid= -p $$ | tr -d ' ')\" = $$").CheckAsync(Timeout, CancellationToken.None);
        Assert.True(result.Passed, result.Message);
    }

    [Fact]
    public async Task Check_PastItsTimeout_FailsAndItsWholeGroupIsKilled()
    {
        // 3 s: time enough for the shell to write its pids first on a loaded machine.
        var result = await Probe("sleep 60 & echo $! > child; echo $$ > shell; wait").CheckAsync(TimeSpan.FromSeconds(3), CancellationToken.None);
        Assert.Equal(ProbeResult.Fail("the command timed out after 3 s"), result);
        await AssertGoneAsync("shell", "child");
    }

    [Fact]
    public async Task Check_Cancelled_ThrowsAndItsWholeGroupIsKilled()
    {
        using var cancel = new CancellationTokenSource();
        var check = Probe("sleep 60 & echo $! > child.tmp; mv child.tmp child; wait").CheckAsync(Timeout, cancel.Token);
        await Poll.UntilAsync("the command starts its child", () => File.Exists(Path.Combine(sandbox.FullName, "child")), Timeout);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => check);
        await AssertGoneAsync("child");
    }

    [Fact]
    public async Task Check_Passed_LeavesNoBackgroundJobBehind()
    {
        var result = await Probe("sleep 60 & echo $! > child; exit 0").CheckAsync(Timeout, CancellationToken.None);
        Assert.True(result.Passed, result.Message);
        await AssertGoneAsync("child");
    }

    [Fact]
    public async Task Check_AMissingWorkingDirectory_Fails()
    {
        var probe = new CommandProbe("exit 0", Path.Combine(sandbox.FullName, "missing"), new Dictionary<string, string>(), TimeProvider.System);
        var result = await probe.CheckAsync(Timeout, CancellationToken.None);
        Assert.False(result.Passed);
        Assert.StartsWith("the command could not start in ", result.Message, StringComparison.Ordinal);
    }

    /// <summary>Waits until the processes whose pids the command wrote to <paramref name="pidFiles"/> are gone (exited, or zombies).</summary>
    private async Task AssertGoneAsync(params string[] pidFiles)
    {
        foreach (var file in pidFiles)
        {
            var pid = int.Parse(File.ReadAllText(Path.Combine(sandbox.FullName, file)).Trim(), CultureInfo.InvariantCulture);
            await Poll.UntilAsync($"the command's {file} process {pid} is gone", () => Gone(pid), Timeout,
                seen: () => File.Exists($"/proc/{pid}/stat") ? File.ReadAllText($"/proc/{pid}/stat") : "no /proc entry");
        }
    }

    private static bool Gone(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }
}
