using System.Text.RegularExpressions;

namespace Mesos.HA.Protocol.Security;

/// <summary>The role a certificate is issued for, which names its files: <c>master-NAME</c>, <c>agent-NAME</c>, <c>client-NAME</c>.</summary>
public enum CertificateRole
{
    Master,
    Agent,
    Client,
}

/// <summary>
/// A cluster's TLS directory, as <c>mesos-ha tls init</c> writes it: the authority (<c>ca.crt</c>, <c>ca.key</c>)
/// and a certificate and key per master, agent and client (<c>master-10.0.0.1.crt</c>, <c>.key</c>). Keys are
/// written readable by their owner only. An existing authority is kept and issues the new certificates, so
/// nodes can be added later; an existing certificate is replaced.
/// </summary>
public sealed partial class ClusterCertificates(string directory)
{
    /// <summary>How long certificates made here are valid (the authority, ten years; the others, as asked).</summary>
    public static readonly TimeSpan AuthorityValidity = TimeSpan.FromDays(3650);

    public string Directory { get; } = Path.GetFullPath(directory);
    public string AuthorityFile => Path.Combine(Directory, "ca.crt");
    public string AuthorityKeyFile => Path.Combine(Directory, "ca.key");

    /// <summary>The certificate and key files of <paramref name="name"/> in <paramref name="role"/>.</summary>
    public (string Certificate, string Key) FilesOf(CertificateRole role, string name)
    {
        var stem = Path.Combine(Directory, $"{role.ToString().ToLowerInvariant()}-{FileSafe(name)}");
        return (stem + ".crt", stem + ".key");
    }

    /// <summary>
    /// Issues a certificate for each name in its role: a master's and an agent's carry the name (host or IP) as
    /// a subject alternative name, with <c>localhost</c> and <c>127.0.0.1</c> (an agent's executors dial it on
    /// loopback); a client's carries none. Makes the authority first if the directory has none. Returns the
    /// files written.
    /// </summary>
    public IReadOnlyList<string> Issue(IEnumerable<(CertificateRole Role, string Name)> nodes, DateTimeOffset now, TimeSpan validity)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var written = new List<string>();
        using var authority = OpenOrCreateAuthority(now, written);
        foreach (var (role, name) in nodes)
        {
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException($"an empty {role.ToString().ToLowerInvariant()} name");
            string[] names = role == CertificateRole.Client ? [] : [name, "localhost", "127.0.0.1"];
            var pair = authority.Issue($"{role.ToString().ToLowerInvariant()} {name}", names, now, validity);
            var (certificate, key) = FilesOf(role, name);
            File.WriteAllText(certificate, pair.Certificate);
            PrivateFile.Write(key, pair.Key);
            written.Add(certificate);
            written.Add(key);
        }
        return written;
    }

    private ClusterAuthority OpenOrCreateAuthority(DateTimeOffset now, List<string> written)
    {
        if (File.Exists(AuthorityFile) && File.Exists(AuthorityKeyFile)) return ClusterAuthority.Load(AuthorityFile, AuthorityKeyFile);
        var authority = ClusterAuthority.Create("Mesos.HA cluster CA", now, AuthorityValidity);
        File.WriteAllText(AuthorityFile, authority.Pem.Certificate);
        PrivateFile.Write(AuthorityKeyFile, authority.Pem.Key);
        written.Add(AuthorityFile);
        written.Add(AuthorityKeyFile);
        return authority;
    }

    private static string FileSafe(string name) => Unsafe().Replace(name, "_");

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex Unsafe();
}
