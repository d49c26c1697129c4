using Mesos.HA.Agent.Files;
using Xunit;

namespace Mesos.HA.Agent.Tests;

/// <summary>The pure path core of the agent's file endpoints: virtual paths taken apart, confinement, UTF-8 cuts, modes.</summary>
public sealed class SandboxPathTests
{
    private const string Frameworks = "/var/lib/agent/agents/a1/frameworks";
    private const string Root = "/var/lib/agent/agents/a1/frameworks/fw/executors/t1/runs/r1";
    private static readonly string[] Roots = [Frameworks];

    [Fact]
    public void Parse_TheLatestAlias_NamesTheExecutorAndThePathBelow()
    {
        var address = VirtualPath.Parse("/frameworks/fw/executors/t1/runs/latest/sub//./file.txt", Roots);
        Assert.Equal(("fw", "t1", (string?)null), (address.Framework, address.Executor, address.Run));
        Assert.Equal(["sub", "file.txt"], address.Below);
        Assert.Equal("/frameworks/fw/executors/t1/runs/latest/sub/file.txt", address.Virtual);
    }

    [Fact]
    public void Parse_TheRealSandboxPath_NamesTheRun()
    {
        var address = VirtualPath.Parse(Root + "/stdout", Roots);
        Assert.Equal(("fw", "t1", (string?)"r1"), (address.Framework, address.Executor, address.Run));
        Assert.Equal(["stdout"], address.Below);
        Assert.Empty(VirtualPath.Parse(Root + "/", Roots).Below);
    }

    [Theory]
    [InlineData("/frameworks/fw/executors/t1/runs/latest/../../../../../etc/passwd")]
    [InlineData("/frameworks/fw/executors/t1/runs/latest/..")]
    [InlineData(Root + "/../r2/stdout")]
    [InlineData("/../etc/passwd")]
    public void Parse_DotDotAnywhere_IsForbidden(string path) =>
        Assert.Equal(FilesErrorKind.Forbidden, Assert.Throws<FilesException>(() => VirtualPath.Parse(path, Roots)).Kind);

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("/var/lib/agent/meta/agent.info")]
    [InlineData("/var/lib/agent/agents/a1/frameworks/fw/executors/t1/runs")]
    [InlineData("/frameworks/fw/executors/t1")]
    [InlineData("/frameworks/fw/tasks/t1/runs/latest")]
    [InlineData("/frameworks/f%20w/executors/t1/runs/latest")]
    [InlineData("/frameworks/f w/executors/t1/runs/latest")]
    public void Parse_PathsNamingNoSandbox_AreNotFound(string path) =>
        Assert.Equal(FilesErrorKind.NotFound, Assert.Throws<FilesException>(() => VirtualPath.Parse(path, Roots)).Kind);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("/frameworks/fw/executors/t1/runs/latest/a\0b")]
    public void Parse_NoPathOrANul_IsInvalid(string? path) =>
        Assert.Equal(FilesErrorKind.Invalid, Assert.Throws<FilesException>(() => VirtualPath.Parse(path, Roots)).Kind);

    [Theory]
    [InlineData("/a/b", "/a/b", true)]
    [InlineData("/a/b/c", "/a/b", true)]
    [InlineData("/a/bc", "/a/b", false)]
    [InlineData("/a", "/a/b", false)]
    [InlineData("/etc/passwd", "/a/b", false)]
    [InlineData("/anything", "/", true)]
    public void IsWithin_ComparesWholeSegments(string path, string root, bool within) =>
        Assert.Equal(within, VirtualPath.IsWithin(path, root));

    [Fact]
    public void Resolve_ASymlinkResolvingOutside_IsForbidden_AndOneInside_IsServed()
    {
        var disk = new Dictionary<string, string>
        {
            [Root + "/stdout"] = Root + "/stdout",
            [Root + "/passwd"] = "/etc/passwd",               // a symlink to /etc/passwd
            [Root + "/etc/passwd"] = "/etc/passwd",           // a symlinked directory
            [Root + "/sibling/stdout"] = Root[..^1] + "2/stdout", // into another run's sandbox
            [Root + "/own"] = Root + "/stdout",                // a symlink inside the sandbox
        };
        string Resolve(string below) =>
            SandboxPathResolver.Resolve(VirtualPath.Parse("/frameworks/fw/executors/t1/runs/latest/" + below, Roots), Root, p => disk.GetValueOrDefault(p));

        Assert.Equal(Root + "/stdout", Resolve("stdout"));
        Assert.Equal(Root + "/stdout", Resolve("own"));
        foreach (var escape in new[] { "passwd", "etc/passwd", "sibling/stdout" })
            Assert.Equal(FilesErrorKind.Forbidden, Assert.Throws<FilesException>(() => Resolve(escape)).Kind);
        Assert.Equal(FilesErrorKind.NotFound, Assert.Throws<FilesException>(() => Resolve("missing")).Kind);
    }

    [Theory]
    [InlineData(new byte[] { 0x61, 0x62 }, 2)]
    [InlineData(new byte[] { 0x61, 0xC3 }, 1)]             // é cut after its lead byte
    [InlineData(new byte[] { 0x61, 0xC3, 0xA9 }, 3)]       // é whole
    [InlineData(new byte[] { 0xE2, 0x82 }, 0)]             // € cut after two of three bytes
    [InlineData(new byte[] { 0x61, 0xE2, 0x82, 0xAC }, 4)] // € whole
    [InlineData(new byte[] { 0xF0, 0x9F, 0x98 }, 0)]       // an emoji cut after three of four
    [InlineData(new byte[] { 0x61, 0xFF }, 2)]             // invalid bytes are left to the decoder
    public void Utf8Boundary_DropsOnlyATrailingIncompleteCharacter(byte[] bytes, int expected) =>
        Assert.Equal(expected, Utf8Boundary.CompleteLength(bytes));

    [Theory]
    [InlineData(new byte[] { 0x61, 0xC3, 0xA9 }, "aé")]
    [InlineData(new byte[] { 0x61, 0xFF, 0x62 }, "a?b")]
    [InlineData(new byte[] { 0xC3, 0x28, 0xE2, 0x82, 0x41 }, "?(??A")]
    [InlineData(new byte[] { 0xEF, 0xBF, 0xBD, 0x80 }, "\uFFFD?")]
    public void Decode_EveryByteThatIsNotUtf8_IsOneQuestionMark_SoTheTextHasTheBytesLength(byte[] bytes, string text)
    {
        Assert.Equal(text, Utf8Boundary.Decode(bytes));
        Assert.Equal(bytes.Length, System.Text.Encoding.UTF8.GetByteCount(Utf8Boundary.Decode(bytes)));
    }

    [Theory]
    [InlineData(0x81A4u, "-rw-r--r--")]
    [InlineData(0x41EDu, "drwxr-xr-x")]
    [InlineData(0xA1FFu, "lrwxrwxrwx")]
    [InlineData(0x1180u, "prw-------")]
    public void ModeString_IsWrittenAsLs(uint mode, string text) =>
        Assert.Equal(text, new FileStatus(mode, 1, 0, 0, 0, 0).ModeString());
}
