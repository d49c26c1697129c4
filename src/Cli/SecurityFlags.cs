using System.CommandLine;
using Mesos.HA.Master.Security;
using Mesos.HA.Protocol.Security;

namespace Mesos.HA.Cli;

/// <summary>
/// The authentication flags, as Mesos names them: the master's <c>--credentials</c> and
/// <c>--authenticate-*</c>, an agent's or a client's <c>--credential</c>. A file that cannot be used
/// is one line and exit 2; a file others may read is warned about on stderr, as Mesos does.
/// </summary>
internal static class SecurityFlags
{
    public static IEnumerable<Symbol> Master() =>
    [
        Declare.Value("credentials", "file", "principals and secrets the master accepts: {\"credentials\": [{\"principal\", \"secret\"}]} or 'principal secret' lines"),
        Declare.Flag("authenticate-http-frameworks", "the scheduler API needs HTTP Basic credentials (from --credentials)"),
        Declare.Flag("authenticate-http-readonly", "read endpoints (state, metrics, maintenance status) need credentials"),
        Declare.Flag("authenticate-http-readwrite", "the operator API and every write endpoint need credentials"),
        Declare.Flag("authenticate-agents", "agents need credentials (their --credential) to register"),
        Declare.Value("acls", "json|file", "who may do what, in Mesos' ACL format ({\"permissive\": ..., \"run_tasks\": [...]}), or a file holding it"),
    ];

    /// <summary>A server's TLS flags (a master's or an agent's).</summary>
    public static IEnumerable<Symbol> MasterTls() =>
    [
        Declare.Value("tls-cert", "file", "PEM certificate the master presents (with --tls-key and --tls-ca): every HTTP endpoint is then HTTPS, " +
            "the Raft transport mutual TLS"),
        Declare.Value("tls-key", "file", "PEM private key of --tls-cert"),
        Declare.Value("tls-ca", "file", "PEM authority the other masters' (and client) certificates must chain to (mesos-ha tls init makes one)"),
        Declare.Flag("tls-require-client-cert", "HTTPS clients (agents, frameworks, operators) must present a certificate chained to --tls-ca"),
    ];

    public static IEnumerable<Symbol> AgentTls() =>
    [
        Declare.Value("tls-cert", "file", "PEM certificate the agent presents (with --tls-key): its endpoints are then HTTPS, and it speaks HTTPS to the masters"),
        Declare.Value("tls-key", "file", "PEM private key of --tls-cert"),
        Declare.Value("tls-ca", "file", "PEM authority the masters' certificates must chain to (default: the system's)"),
    ];

    /// <summary>A client's TLS flags (the CLI's verbs, the driver's users).</summary>
    public static IEnumerable<Symbol> ClientTls() =>
    [
        Declare.Value("tls-ca", "file", "PEM authority the masters' certificates must chain to: the masters are spoken to over HTTPS"),
        Declare.Value("tls-cert", "file", "PEM client certificate (with --tls-key), for masters that require one"),
        Declare.Value("tls-key", "file", "PEM private key of --tls-cert"),
    ];

    /// <summary>A client verb's security flags: its credential and TLS.</summary>
    public static IEnumerable<Symbol> Client() => [Credential("the client"), .. ClientTls()];

    /// <summary>
    /// A master's TLS: all of --tls-cert, --tls-key and --tls-ca (the Raft transport is mutual TLS, so a master
    /// needs its own certificate and the authority of the others'), or none of them.
    /// </summary>
    public static TlsIdentity? MasterTls(ArgReader args)
    {
        var files = Files(args, server: true);
        if (!files.Any) return null;
        if (files.Certificate is null || files.Authority is null)
            throw new UsageException("a master on TLS needs --tls-cert, --tls-key and --tls-ca (the Raft transport is mutual TLS)");
        return LoadTls(files);
    }

    /// <summary>An agent's TLS: --tls-cert and --tls-key for its own HTTPS, --tls-ca for the masters' (else the system's authorities).</summary>
    public static TlsIdentity? AgentTls(ArgReader args)
    {
        var files = Files(args, server: false);
        if (!files.Any) return null;
        if (files.Certificate is null) throw new UsageException("an agent on TLS needs --tls-cert and --tls-key (it serves HTTPS too)");
        return LoadTls(files);
    }

    /// <summary>A client's TLS (any of --tls-ca, --tls-cert, --tls-key given), or null for plain HTTP.</summary>
    public static TlsIdentity? ClientTls(ArgReader args)
    {
        var files = Files(args, server: false);
        return files.Any ? LoadTls(files) : null;
    }

    private static TlsFiles Files(ArgReader args, bool server) =>
        new(args.Optional("tls-cert"), args.Optional("tls-key"), args.Optional("tls-ca"), server && args.Flag("tls-require-client-cert"));

    private static TlsIdentity LoadTls(TlsFiles files)
    {
        TlsIdentity tls;
        try
        {
            // The composition root of a process's TLS: the real clock says whether a certificate is current.
            tls = TlsIdentity.Load(files, DateTimeOffset.UtcNow);
        }
        catch (TlsException e)
        {
            throw new UsageException(e.Message);
        }
        if (files.Key is { } key && Protocol.Security.Credentials.ReadableByOthers(key))
            Console.Error.WriteLine($"mesos-ha: warning: --tls-key {key} may be read by others (chmod 600 it)");
        return tls;
    }

    public static Acls Acls(ArgReader args)
    {
        if (args.Optional("acls") is not { } text) return Protocol.Security.Acls.AllowAll;
        try
        {
            return Protocol.Security.Acls.Load(text);
        }
        catch (AclException e)
        {
            throw new UsageException($"--acls {e.Message}");
        }
    }

    public static Option<string> Credential(string who) =>
        Declare.Value("credential", "file", $"{who}'s principal and secret: {{\"principal\": ..., \"secret\": ...}} or one 'principal secret' line");

    public static HttpAuthenticationOptions MasterOptions(ArgReader args)
    {
        var file = args.Optional("credentials");
        var options = new HttpAuthenticationOptions
        {
            Frameworks = args.Flag("authenticate-http-frameworks"),
            ReadOnly = args.Flag("authenticate-http-readonly"),
            ReadWrite = args.Flag("authenticate-http-readwrite"),
            Agents = args.Flag("authenticate-agents"),
        };
        if (file is null)
            return options.Any ? throw new UsageException("--authenticate-* needs --credentials (the principals and secrets to accept)") : options;
        return options with { Credentials = Load(file, "--credentials", Credentials.LoadAll) };
    }

    /// <summary>The <c>--credential</c> of an agent or a client, or null without one.</summary>
    public static Credential? One(ArgReader args) => args.Optional("credential") is { } file ? Load(file, "--credential", Credentials.LoadOne) : null;

    private static T Load<T>(string file, string flag, Func<string, T> load)
    {
        T loaded;
        try
        {
            loaded = load(file);
        }
        catch (CredentialsException e)
        {
            throw new UsageException($"{flag} {e.Message}");
        }
        if (Credentials.ReadableByOthers(file))
            Console.Error.WriteLine($"mesos-ha: warning: {flag} {file} may be read by others (chmod 600 it)");
        return loaded;
    }
}
