using Mesos.HA.Agent.Core;
using Mesos.HA.Agent.Executors;
using Mesos.HA.Protocol;
using Xunit;

namespace Mesos.HA.Agent.Tests;

/// <summary>Executor tokens: each names one executor's run, only the agent's key makes them, and the key outlives a restart.</summary>
public sealed class ExecutorTokensTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "tokens-" + Guid.NewGuid().ToString("N"));
    private static readonly ExecutorKey Ex1 = new(new FrameworkId("fw.1"), "ex/1");

    private string KeyFile => Path.Combine(root, "meta", "executor-secret.key");

    [Fact]
    public void AToken_VerifiesAsItsExecutorAndRun_AndNotOnceAlteredOrUnderAnotherKey()
    {
        var tokens = ExecutorTokens.LoadOrCreate(KeyFile);
        var token = tokens.Issue(Ex1, "run1");
        Assert.Equal(new ExecutorTokenClaims(Ex1, "run1"), tokens.Verify(token));
        Assert.NotEqual(token, tokens.Issue(Ex1, "run2"));
        Assert.NotEqual(token, tokens.Issue(Ex1 with { Executor = "ex/2" }, "run1"));

        // Claims changed, the signature kept: refused.
        var forged = tokens.Issue(Ex1 with { Executor = "ex/2" }, "run1");
        Assert.Null(tokens.Verify(forged[..forged.LastIndexOf('.')] + token[token.LastIndexOf('.')..]));
        Assert.Null(tokens.Verify(token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1]));
        Assert.Null(tokens.Verify(""));
        Assert.Null(tokens.Verify("garbage"));
        Assert.Null(tokens.Verify("a.b.c.d"));
        Assert.Null(new ExecutorTokens(new byte[ExecutorTokens.KeyBytes]).Verify(token));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void TheKey_IsMadeOwnerOnlyOnFirstStart_AndTheSameAfterARestart()
    {
        var token = ExecutorTokens.LoadOrCreate(KeyFile).Issue(Ex1, "run1");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile));
        Assert.Equal(ExecutorTokens.KeyBytes, new FileInfo(KeyFile).Length);
        var restarted = ExecutorTokens.LoadOrCreate(KeyFile);
        Assert.Equal(token, restarted.Issue(Ex1, "run1"));
        Assert.Equal(new ExecutorTokenClaims(Ex1, "run1"), restarted.Verify(token));
    }

    [Fact]
    public void AKeyFileThatIsNotAKey_IsRefusedNamingTheFile_NotItsContent()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(KeyFile)!);
        File.WriteAllText(KeyFile, "hunter2");
        var error = Assert.Throws<StartupException>(() => ExecutorTokens.LoadOrCreate(KeyFile));
        Assert.Contains(KeyFile, error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
    }

    public void Dispose()
    {
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }
}
