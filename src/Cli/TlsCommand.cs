using System.CommandLine;
using Mesos.HA.Protocol.Security;

namespace Mesos.HA.Cli;

/// <summary>
/// <c>mesos-ha tls init --dir DIR --masters ... --agents ... [--clients ...]</c>: a certificate authority for the
/// cluster and a certificate per master, agent and client, made with .NET's own crypto (no openssl).
/// </summary>
internal static class TlsCommand
{
    public static Command Verb()
    {
        var tls = new Command("tls", "TLS material for a cluster.");
        tls.Add(Declare.Verb("init",
            "Create a certificate authority in --dir (or use the one there) and issue a certificate and key for each master, agent and client named. " +
            "Start each master with --tls-cert/--tls-key of its own and --tls-ca DIR/ca.crt, each agent alike, clients with --tls-ca.",
            [
                Declare.Value("dir", "dir", "required: where to write ca.crt, ca.key and NAME.crt/NAME.key (keys readable by their owner only)"),
                Declare.Value("masters", "host,...", "the masters' host names or IP addresses, as agents and clients dial them"),
                Declare.Value("agents", "host,...", "the agents' host names or IP addresses"),
                Declare.Value("clients", "name,...", "client certificates (for masters with --tls-require-client-cert; default: operator)"),
                Declare.Value("days", "n", "validity of the certificates issued (default 825)"),
            ],
            (_, args) => Task.FromResult(Init(args))));
        return tls;
    }

    private static int Init(ArgReader args)
    {
        var directory = args.Required("dir");
        var masters = List(args.Optional("masters"));
        var agents = List(args.Optional("agents"));
        var clients = List(args.Optional("clients") ?? "operator");
        var days = args.Int("days", 825, 1, 3650);
        args.EnsureAllUsed();
        if (masters.Count + agents.Count == 0) throw new UsageException("tls init needs --masters or --agents (the nodes to issue certificates for)");
        var nodes = masters.Select(m => (CertificateRole.Master, m))
            .Concat(agents.Select(a => (CertificateRole.Agent, a)))
            .Concat(clients.Select(c => (CertificateRole.Client, c)));
        var directoryFiles = new ClusterCertificates(directory);
        IReadOnlyList<string> written;
        try
        {
            written = directoryFiles.Issue(nodes, DateTimeOffset.UtcNow, TimeSpan.FromDays(days));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new UsageException($"tls init --dir {directory}: {e.Message}");
        }
        foreach (var file in written) Console.WriteLine(file);
        Console.WriteLine($"masters: --tls-cert {directoryFiles.Directory}/master-NAME.crt --tls-key {directoryFiles.Directory}/master-NAME.key --tls-ca {directoryFiles.AuthorityFile}");
        Console.WriteLine($"agents:  --tls-cert {directoryFiles.Directory}/agent-NAME.crt --tls-key {directoryFiles.Directory}/agent-NAME.key --tls-ca {directoryFiles.AuthorityFile}");
        Console.WriteLine($"clients: --tls-ca {directoryFiles.AuthorityFile}");
        return 0;
    }

    private static List<string> List(string? text) =>
        [.. (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)];
}
