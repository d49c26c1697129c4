using Mesos.HA.Protocol.Security;
using Xunit;

namespace Mesos.HA.ExecutorDriver.Tests;

/// <summary>An agent on TLS tells its executors so with Mesos' variables; the driver then speaks HTTPS checked against the authority given.</summary>
public sealed class ExecutorDriverTlsSettingsTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("mesos-ha-executor-tls-").FullName;

    private static ExecutorDriverSettings Read(Dictionary<string, string> extra) =>
        ExecutorDriverSettings.FromEnvironment(name => extra.GetValueOrDefault(name) ?? name switch
        {
            "MESOS_FRAMEWORK_ID" => "framework-1",
            "MESOS_EXECUTOR_ID" => "executor-1",
            "MESOS_AGENT_ENDPOINT" => "127.0.0.1:5051",
            "MESOS_DIRECTORY" => "/var/lib/mesos/sandbox",
            _ => null,
        });

    [Fact]
    public void WithoutTheVariables_ThePlainAgentIsSpokenTo()
    {
        Assert.Null(Read([]).Tls);
        Assert.Null(Read(new() { ["LIBPROCESS_SSL_ENABLED"] = "false", ["LIBPROCESS_SSL_CA_FILE"] = "/no/such" }).Tls);
    }

    [Fact]
    public void SslEnabled_ReadsTheAuthority_AndAnUnusableOneIsRefusedNamingTheVariable()
    {
        var certificates = new ClusterCertificates(dir);
        certificates.Issue([(CertificateRole.Agent, "127.0.0.1")], DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
        var settings = Read(new() { ["LIBPROCESS_SSL_ENABLED"] = "true", ["LIBPROCESS_SSL_CA_FILE"] = certificates.AuthorityFile });
        Assert.NotNull(settings.Tls);
        Assert.Single(settings.Tls!.Authorities);
        Assert.Equal("https://127.0.0.1:5051", Https.Url(settings.Tls, settings.AgentEndpoint));

        var error = Assert.Throws<ExecutorSettingsException>(() =>
            Read(new() { ["LIBPROCESS_SSL_ENABLED"] = "1", ["LIBPROCESS_SSL_CA_FILE"] = Path.Combine(dir, "missing.crt") }));
        Assert.Contains("LIBPROCESS_SSL_CA_FILE", error.Message);
        Assert.Throws<ExecutorSettingsException>(() => Read(new() { ["LIBPROCESS_SSL_ENABLED"] = "yes" }));
    }

    public void Dispose()
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }
}
