using Mesos.HA.Protocol.Security;
using Xunit;

namespace Mesos.HA.Protocol.Tests;

/// <summary>Mesos' credential files in both forms, and HTTP Basic headers; no error message or ToString shows a secret.</summary>
public sealed class CredentialsTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("mesos-ha-credentials-").FullName;

    private string Write(string text)
    {
        var path = Path.Combine(dir, Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Found while writing the AFL++ target <c>credentials</c> (tests/Fuzz), and replayed through it: an escaped lone surrogate threw InvalidOperationException when its string was read.</summary>
    [Theory]
    [InlineData("""{"principal":"\ud800","secret":"x"}""")]
    [InlineData("""{"credentials":[{"principal":"a","secret":"\udc00"}]}""")]
    public void Regression_AnEscapedLoneSurrogate_IsRefused(string text)
    {
        var expected = $"creds: {JsonEscapes.LoneSurrogateMessage}";
        Assert.Equal(expected, Assert.Throws<CredentialsException>(() => Credentials.ParseOne(text, "creds")).Message);
        Assert.Equal(expected, Assert.Throws<CredentialsException>(() => Credentials.ParseAll(text, "creds")).Message);
    }

    [Fact]
    public void ParsingText_ReadsWhatLoadingTheFileReads()
    {
        const string text = """{"credentials":[{"principal":"a","secret":"s1"}]}""";
        Assert.Equal(Credentials.LoadAll(Write(text))["a"], Credentials.ParseAll(text, "x")["a"]);
        Assert.Equal(Credentials.LoadOne(Write("a s1\n")), Credentials.ParseOne("a s1\n", "x"));
    }

    [Fact]
    public void TheMastersFile_ReadsJsonAndTextLines()
    {
        var json = Credentials.LoadAll(Write("""{"credentials":[{"principal":"a","secret":"s1"},{"principal":"b","secret":"s 2"}]}"""));
        Assert.Equal(["a", "b"], json.Keys.Order());
        Assert.Equal("s 2", json["b"].Secret);
        var text = Credentials.LoadAll(Write("# operators\na s1\n\nb\ts2\r\n"));
        Assert.Equal(new Credential("b", "s2"), text["b"]);
    }

    [Theory]
    [InlineData("""{"credentials":[{"principal":"a","secret":"hunter2"},{"principal":"a","secret":"hunter3"}]}""", "principal 'a' appears twice")]
    [InlineData("""{"credentials":[{"principal":"a"}]}""", "principal 'a' has no secret")]
    [InlineData("""{"credentials":[{"secret":"hunter2"}]}""", "no principal")]
    [InlineData("""{"credentials":[{"principal":"a:b","secret":"hunter2"}]}""", "holds ':'")]
    [InlineData("""{"credentials":{"principal":"a","secret":"hunter2"}}""", "expected {\"credentials\"")]
    [InlineData("""{"credentials":[{"principal":"a","secret":"hunter2"}""", "malformed JSON")]
    [InlineData("a hunter2 extra", ":1: expected 'principal secret'")]
    [InlineData("", "no credentials")]
    public void ABadFile_IsRefused_NamingWhatIsWrong_WithoutItsSecret(string text, string expected)
    {
        var path = Write(text);
        var error = Assert.Throws<CredentialsException>(() => Credentials.LoadAll(path));
        Assert.Contains(expected, error.Message);
        Assert.StartsWith(path, error.Message);
        Assert.DoesNotContain("hunter", error.Message);
    }

    [Fact]
    public void AnAgentsFile_HoldsOneCredential_InEitherForm()
    {
        Assert.Equal(new Credential("agent", "pw"), Credentials.LoadOne(Write("""{"principal":"agent","secret":"pw"}""")));
        Assert.Equal(new Credential("agent", "pw"), Credentials.LoadOne(Write("agent pw\n")));
        Assert.Equal(new Credential("agent", "pw"), Credentials.LoadOne(Write("""{"credentials":[{"principal":"agent","secret":"pw"}]}""")));
        Assert.Contains("holds 2 credentials", Assert.Throws<CredentialsException>(() => Credentials.LoadOne(Write("a x\nb y"))).Message);
        Assert.StartsWith(Path.Combine(dir, "none") + ": ", Assert.Throws<CredentialsException>(() => Credentials.LoadOne(Path.Combine(dir, "none"))).Message);
    }

    [Fact]
    public void BasicHeaders_RoundTrip_AndGarbageIsNoCredential()
    {
        var credential = new Credential("web", "p:ss wörd");
        Assert.Equal(credential, Credentials.FromBasicHeader(credential.BasicHeader()));
        Assert.Null(Credentials.FromBasicHeader(null));
        Assert.Null(Credentials.FromBasicHeader("Bearer abc"));
        Assert.Null(Credentials.FromBasicHeader("Basic !!!"));
        Assert.Null(Credentials.FromBasicHeader("Basic " + Convert.ToBase64String("no-colon"u8.ToArray())));
        Assert.True(Credentials.SecretMatches(credential, "p:ss wörd"));
        Assert.False(Credentials.SecretMatches(credential, "p:ss word"));
        Assert.DoesNotContain("ss", credential.ToString().Replace("Credential", "", StringComparison.Ordinal));
    }

    [Fact]
    public void AFileOthersMayRead_IsNoticed()
    {
        if (OperatingSystem.IsWindows()) return;
        var path = Write("a b");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.False(Credentials.ReadableByOthers(path));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        Assert.True(Credentials.ReadableByOthers(path));
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
