using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesos.HA.Protocol.Security;

namespace Mesos.HA.Cli.Local;

/// <summary>
/// What a local cluster runs with in secure mode (<c>mesos-ha local --secure</c>, <c>demo --secure</c>, the
/// chaos suite's secure run): a certificate authority of its own and certificates for the masters, agents and
/// clients on 127.0.0.1; credentials for an operator, a framework and the agents (random secrets); every realm
/// authenticated; and a restrictive ACL (nothing is allowed that is not granted): the operator may do
/// everything, the framework principal may register, run tasks and view, the agent principal may register agents.
/// Everything is written under <c>ROOT/security</c>, keys and secrets readable by their owner only.
/// </summary>
public sealed class LocalSecurity : IDisposable
{
    public const string OperatorPrincipal = "operator";
    public const string FrameworkPrincipal = "framework";
    public const string AgentPrincipal = "agent";

    private LocalSecurity(string directory, ClusterCertificates certificates, Credential @operator, Credential framework, Credential agent, TlsIdentity client)
    {
        Directory = directory;
        Certificates = certificates;
        Operator = @operator;
        Framework = framework;
        Agent = agent;
        Client = client;
    }

    public string Directory { get; }
    public ClusterCertificates Certificates { get; }
    public Credential Operator { get; }
    public Credential Framework { get; }
    public Credential Agent { get; }

    /// <summary>A client's TLS: the cluster's authority, and the operator's client certificate.</summary>
    public TlsIdentity Client { get; }

    public string CredentialsFile => Path.Combine(Directory, "credentials.json");
    public string AgentCredentialFile => Path.Combine(Directory, "agent-credential.json");
    public string OperatorCredentialFile => Path.Combine(Directory, "operator-credential.json");
    public string FrameworkCredentialFile => Path.Combine(Directory, "framework-credential.json");
    public string AclsFile => Path.Combine(Directory, "acls.json");

    /// <summary>Writes the material under <paramref name="root"/>/security (certificates valid from <paramref name="now"/> for a year).</summary>
    public static LocalSecurity Create(string root, DateTimeOffset now)
    {
        var directory = Path.Combine(root, "security");
        var certificates = new ClusterCertificates(directory);
        certificates.Issue([(CertificateRole.Master, "127.0.0.1"), (CertificateRole.Agent, "127.0.0.1"), (CertificateRole.Client, OperatorPrincipal)],
            now, TimeSpan.FromDays(365));
        Credential New(string principal) => new(principal, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        var (@operator, framework, agent) = (New(OperatorPrincipal), New(FrameworkPrincipal), New(AgentPrincipal));
        WritePrivate(Path.Combine(directory, "credentials.json"), new JsonObject
        {
            ["credentials"] = new JsonArray([.. new[] { @operator, framework, agent }.Select(c => (JsonNode)Json(c))]),
        });
        WritePrivate(Path.Combine(directory, "agent-credential.json"), Json(agent));
        WritePrivate(Path.Combine(directory, "operator-credential.json"), Json(@operator));
        WritePrivate(Path.Combine(directory, "framework-credential.json"), Json(framework));
        File.WriteAllText(Path.Combine(directory, "acls.json"), RestrictiveAcls().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var (clientCertificate, clientKey) = certificates.FilesOf(CertificateRole.Client, OperatorPrincipal);
        var client = TlsIdentity.Load(new TlsFiles(clientCertificate, clientKey, certificates.AuthorityFile), now);
        return new LocalSecurity(directory, certificates, @operator, framework, agent, client);
    }

    /// <summary>
    /// Not permissive; every action granted to the operator; the framework may register (any role), run tasks
    /// (as any user) and view; the agent principal may register agents.
    /// </summary>
    public static JsonObject RestrictiveAcls()
    {
        JsonObject Rule(string principal, string objects) => new()
        {
            ["principals"] = new JsonObject { ["values"] = new JsonArray(principal) },
            [objects] = new JsonObject { ["type"] = "ANY" },
        };
        var acls = new JsonObject { ["permissive"] = false };
        foreach (var (action, objects) in Acls.Actions.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            var rules = new JsonArray(Rule(OperatorPrincipal, objects));
            if (action is "register_frameworks" or "run_tasks" || action.StartsWith("view_", StringComparison.Ordinal))
                rules.Add(Rule(FrameworkPrincipal, objects));
            if (action == "register_agents") rules.Add(Rule(AgentPrincipal, objects));
            acls[action] = rules;
        }
        return acls;
    }

    /// <summary>A master's flags: TLS everywhere, every realm authenticated, the restrictive ACL.</summary>
    public IReadOnlyList<string> MasterArgs()
    {
        var (certificate, key) = Certificates.FilesOf(CertificateRole.Master, "127.0.0.1");
        return
        [
            "--tls-cert", certificate, "--tls-key", key, "--tls-ca", Certificates.AuthorityFile,
            "--credentials", CredentialsFile, "--authenticate-http-frameworks", "--authenticate-http-readonly",
            "--authenticate-http-readwrite", "--authenticate-agents", "--acls", AclsFile,
        ];
    }

    /// <summary>An agent's flags: its certificate, the authority, its credential.</summary>
    public IReadOnlyList<string> AgentArgs()
    {
        var (certificate, key) = Certificates.FilesOf(CertificateRole.Agent, "127.0.0.1");
        return ["--tls-cert", certificate, "--tls-key", key, "--tls-ca", Certificates.AuthorityFile, "--credential", AgentCredentialFile];
    }

    /// <summary>A CLI verb's flags as the operator.</summary>
    public IReadOnlyList<string> OperatorArgs() =>
        ["--tls-ca", Certificates.AuthorityFile, "--credential", OperatorCredentialFile];

    /// <summary>An HTTPS client as the operator (its credential on every request; redirects not followed).</summary>
    public HttpClient OperatorClient(TimeSpan timeout)
    {
        var http = new HttpClient(Https.Handler(Client, new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false })) { Timeout = timeout };
        http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", Operator.BasicHeader());
        return http;
    }

    /// <summary>A framework's driver options: its credential and the cluster's authority.</summary>
    public SchedulerDriver.SchedulerDriverOptions FrameworkOptions() => new() { Credential = Framework, Tls = Client };

    public void Dispose() => Client.Dispose();

    private static JsonObject Json(Credential credential) => new() { ["principal"] = credential.Principal, ["secret"] = credential.Secret };

    private static void WritePrivate(string path, JsonNode json) =>
        PrivateFile.Write(path, json.ToJsonString());
}
