using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Mesos.HA.Protocol.Security;
using Xunit;

namespace Mesos.HA.Protocol.Tests;

/// <summary>
/// The cluster's own authority and the TLS flags' loading: what <c>tls init</c> writes chains to its authority,
/// keys are private, and every unusable file is one line naming its flag.
/// </summary>
public sealed class TlsIdentityTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private readonly string dir = Directory.CreateTempSubdirectory("mesos-ha-tls-").FullName;

    private ClusterCertificates Cluster(string name = "cluster")
    {
        var certificates = new ClusterCertificates(Path.Combine(dir, name));
        certificates.Issue([(CertificateRole.Master, "10.0.0.1"), (CertificateRole.Agent, "agent-1.example"), (CertificateRole.Client, "operator")],
            Now, TimeSpan.FromDays(30));
        return certificates;
    }

    [Fact]
    public void IssuedCertificates_ChainToTheAuthority_CarryTheirNames_AndKeysArePrivate()
    {
        var cluster = Cluster();
        using var authority = X509CertificateLoader.LoadCertificateFromFile(cluster.AuthorityFile);
        var (masterFile, masterKey) = cluster.FilesOf(CertificateRole.Master, "10.0.0.1");
        using var master = X509Certificate2.CreateFromPemFile(masterFile, masterKey);
        Assert.True(TlsIdentity.ChainsTo(master, [authority]));
        var names = master.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["10.0.0.1", "127.0.0.1"], names.EnumerateIPAddresses().Select(a => a.ToString()).Order());
        Assert.Equal(["localhost"], names.EnumerateDnsNames());
        var (agentFile, agentKey) = cluster.FilesOf(CertificateRole.Agent, "agent-1.example");
        using var agent = X509Certificate2.CreateFromPemFile(agentFile, agentKey);
        Assert.Contains("agent-1.example", agent.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
        if (OperatingSystem.IsWindows()) return;
        foreach (var key in new[] { cluster.AuthorityKeyFile, masterKey, agentKey, cluster.FilesOf(CertificateRole.Client, "operator").Key })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
    }

    [Fact]
    public void IssuingAgain_KeepsTheAuthority()
    {
        var cluster = Cluster();
        var before = File.ReadAllText(cluster.AuthorityFile);
        var written = cluster.Issue([(CertificateRole.Agent, "agent-2")], Now, TimeSpan.FromDays(30));
        Assert.Equal(before, File.ReadAllText(cluster.AuthorityFile));
        Assert.DoesNotContain(cluster.AuthorityFile, written);
        using var identity = TlsIdentity.Load(new TlsFiles(written[0], written[1], cluster.AuthorityFile), Now);
        Assert.NotNull(identity.Certificate);
    }

    [Fact]
    public void AnotherAuthoritysCertificate_IsNotAccepted_NorOneWithTheWrongName()
    {
        var ours = Cluster("ours");
        var theirs = Cluster("theirs");
        using var identity = TlsIdentity.Load(new TlsFiles(null, null, ours.AuthorityFile), Now);
        var (ourFile, ourKey) = ours.FilesOf(CertificateRole.Master, "10.0.0.1");
        var (theirFile, theirKey) = theirs.FilesOf(CertificateRole.Master, "10.0.0.1");
        using var ourMaster = X509Certificate2.CreateFromPemFile(ourFile, ourKey);
        using var theirMaster = X509Certificate2.CreateFromPemFile(theirFile, theirKey);
        Assert.True(identity.Accepts(ourMaster, SslPolicyErrors.RemoteCertificateChainErrors, checkName: true));
        Assert.False(identity.Accepts(theirMaster, SslPolicyErrors.RemoteCertificateChainErrors, checkName: true));
        Assert.False(identity.Accepts(ourMaster, SslPolicyErrors.RemoteCertificateNameMismatch, checkName: true));
        Assert.True(identity.Accepts(ourMaster, SslPolicyErrors.RemoteCertificateNameMismatch, checkName: false));
        Assert.False(identity.Accepts(null, SslPolicyErrors.RemoteCertificateNotAvailable, checkName: false));
    }

    [Fact]
    public void UnusableMaterial_IsOneLineNamingTheFlag()
    {
        var ours = Cluster("ours");
        var theirs = Cluster("theirs");
        var (cert, key) = ours.FilesOf(CertificateRole.Master, "10.0.0.1");
        var (_, agentKey) = ours.FilesOf(CertificateRole.Agent, "agent-1.example");
        var (theirCert, theirKey) = theirs.FilesOf(CertificateRole.Master, "10.0.0.1");
        var garbage = Path.Combine(dir, "garbage.pem");
        File.WriteAllText(garbage, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
        var empty = Path.Combine(dir, "empty.pem");
        File.WriteAllText(empty, "");
        (TlsFiles Files, DateTimeOffset At, string Expected)[] cases =
        [
            (new(cert, null, ours.AuthorityFile), Now, "--tls-cert needs --tls-key"),
            (new(null, key, ours.AuthorityFile), Now, "--tls-key needs --tls-cert"),
            (new(cert, key, "/no/such/ca.crt"), Now, "--tls-ca /no/such/ca.crt: no such file"),
            (new("/no/such/cert.crt", key, ours.AuthorityFile), Now, "--tls-cert /no/such/cert.crt: no such file"),
            (new(cert, agentKey, ours.AuthorityFile), Now, "the key does not match the certificate"),
            (new(theirCert, theirKey, ours.AuthorityFile), Now, "is not issued by --tls-ca"),
            (new(cert, key, garbage), Now, $"--tls-ca {garbage}: holds no PEM certificate"),
            (new(cert, key, empty), Now, $"--tls-ca {empty}: holds no PEM certificate"),
            (new(cert, key, ours.AuthorityFile), Now.AddDays(31), "expired on"),
            (new(cert, key, ours.AuthorityFile), Now.AddDays(-2), "is not valid before"),
            (new(null, null, null, RequireClientCertificate: true), Now, "--tls-require-client-cert needs --tls-ca"),
        ];
        foreach (var (files, at, expected) in cases)
        {
            var error = Assert.Throws<TlsException>(() => TlsIdentity.Load(files, at));
            Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), $"{files}: '{error.Message}' does not say '{expected}'");
            Assert.DoesNotContain('\n', error.Message);
        }
    }

    [Fact]
    public void Https_UrlsAndSchemes_FollowTheIdentity()
    {
        var ours = Cluster();
        using var tls = TlsIdentity.Load(new TlsFiles(null, null, ours.AuthorityFile), Now);
        Assert.Equal("http://10.0.0.1:5050/health", Https.Url(null, "10.0.0.1:5050", "/health"));
        Assert.Equal("https://10.0.0.1:5050/health", Https.Url(tls, "10.0.0.1:5050", "/health"));
        using var handler = Https.Handler(tls, new System.Net.Http.SocketsHttpHandler());
        Assert.NotNull(handler.SslOptions.RemoteCertificateValidationCallback);
    }

    public void Dispose()
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }
}
