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
