using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesos.HA.Protocol.Security;

/// <summary>
/// The TLS flags of a process: <c>--tls-cert</c> and <c>--tls-key</c> (PEM, its own certificate and key),
/// <c>--tls-ca</c> (PEM, the authorities it trusts; without it the system's), and, on a server,
/// <c>--tls-require-client-cert</c>.
/// </summary>
public sealed record TlsFiles(string? Certificate, string? Key, string? Authority, bool RequireClientCertificate = false)
{
    /// <summary>Whether any TLS flag was given (then the process speaks TLS).</summary>
    public bool Any => Certificate is not null || Key is not null || Authority is not null || RequireClientCertificate;
}

/// <summary>TLS material that cannot be used: a missing or unreadable file, a certificate that does not match its key, an expired one. One line.</summary>
public sealed class TlsException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A process's loaded TLS material: its own certificate (with its key; a client may have none) and
/// the authorities it trusts. Peers are checked against those authorities only (the cluster's own
/// CA, as <c>mesos-ha tls init</c> makes it), and a server's name against the address dialled.
/// </summary>
public sealed class TlsIdentity : IDisposable
{
    public const string Scheme = "https";

    private TlsIdentity(X509Certificate2? certificate, X509Certificate2Collection authorities, bool requireClientCertificate)
    {
        Certificate = certificate;
        Authorities = authorities;
        RequireClientCertificate = requireClientCertificate;
    }

    /// <summary>This process's own certificate with its private key; null for a client that has none.</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>The authorities peers' certificates must chain to; empty: the system's trust store.</summary>
    public X509Certificate2Collection Authorities { get; }

    /// <summary>A server that asks every client for a certificate chained to <see cref="Authorities"/>.</summary>
    public bool RequireClientCertificate { get; }

    /// <summary>Loads the files; throws <see cref="TlsException"/> naming the flag and what is wrong with it.</summary>
    public static TlsIdentity Load(TlsFiles files, DateTimeOffset now)
    {
        if ((files.Certificate is null) != (files.Key is null))
            throw new TlsException(files.Certificate is null ? "--tls-key needs --tls-cert" : "--tls-cert needs --tls-key");
        var authorities = new X509Certificate2Collection();
        if (files.Authority is { } caFile)
        {
            EnsureReadable(caFile, "--tls-ca");
            try
            {
                authorities.ImportFromPemFile(caFile);
            }
            catch (CryptographicException e)
            {
                throw new TlsException($"--tls-ca {caFile}: not PEM certificates ({e.Message})", e);
            }
            if (authorities.Count == 0) throw new TlsException($"--tls-ca {caFile}: holds no PEM certificate");
            foreach (var authority in authorities) EnsureCurrent(authority, now, $"--tls-ca {caFile}");
        }
        X509Certificate2? certificate = null;
        if (files.Certificate is { } certFile && files.Key is { } keyFile)
        {
            EnsureReadable(certFile, "--tls-cert");
            EnsureReadable(keyFile, "--tls-key");
            try
            {
                certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                throw new TlsException($"--tls-cert {certFile} with --tls-key {keyFile}: {Describe(e)}", e);
            }
            EnsureCurrent(certificate, now, $"--tls-cert {certFile}");
            if (authorities.Count > 0 && !ChainsTo(certificate, authorities))
                throw new TlsException($"--tls-cert {certFile} is not issued by --tls-ca {files.Authority}");
        }
        if (files.RequireClientCertificate && authorities.Count == 0)
            throw new TlsException("--tls-require-client-cert needs --tls-ca (the authority clients' certificates must chain to)");
        return new TlsIdentity(certificate, authorities, files.RequireClientCertificate);
    }

    /// <summary>Whether <paramref name="certificate"/> chains to one of <paramref name="authorities"/> (no revocation lists: the cluster CA issues none).</summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    /// <summary>
    /// Whether a peer's certificate is acceptable: present, chained to <see cref="Authorities"/> (or, without
    /// any, trusted by the system), and, when <paramref name="checkName"/>, issued for the name dialled.
    /// </summary>
    public bool Accepts(X509Certificate? certificate, SslPolicyErrors errors, bool checkName)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0) return false;
        if (checkName && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
        if (Authorities.Count == 0) return (errors & SslPolicyErrors.RemoteCertificateChainErrors) == 0;
        var presented = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        try
        {
            return ChainsTo(presented, Authorities);
        }
        finally
        {
            if (!ReferenceEquals(presented, certificate)) presented.Dispose();
        }
    }

    /// <summary>Whether a client's certificate is acceptable to a server that asks for one (chained to <see cref="Authorities"/>; no name).</summary>
    public bool AcceptsClient(X509Certificate2 certificate, X509Chain? chain, SslPolicyErrors errors) => Accepts(certificate, errors, checkName: false);

    /// <summary>The protocols spoken: TLS 1.2 and 1.3.</summary>
    public const System.Security.Authentication.SslProtocols Protocols =
        System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13;

    /// <summary>What a server presents, and whether (and how) it asks for client certificates.</summary>
    public SslServerAuthenticationOptions ServerOptions(bool requireClientCertificate) => new()
    {
        ServerCertificate = Certificate ?? throw new InvalidOperationException("a TLS server needs --tls-cert and --tls-key"),
        ClientCertificateRequired = requireClientCertificate,
        RemoteCertificateValidationCallback = requireClientCertificate ? (_, cert, _, errors) => Accepts(cert, errors, checkName: false) : null,
        EnabledSslProtocols = Protocols,
    };

    /// <summary>
    /// How a client dials <paramref name="targetHost"/>: presenting its certificate when it has one, checking the
    /// server's (its name too, unless <paramref name="checkName"/> is false: between masters, where holding a
    /// certificate of the cluster's authority is what counts).
    /// </summary>
    public SslClientAuthenticationOptions ClientOptions(string? targetHost, bool checkName = true) => new()
    {
        TargetHost = targetHost,
        ClientCertificates = Certificate is null ? null : new X509CertificateCollection { Certificate },
        RemoteCertificateValidationCallback = (_, cert, _, errors) => Accepts(cert, errors, checkName),
        EnabledSslProtocols = Protocols,
    };

    /// <summary>Makes <paramref name="handler"/> speak TLS as this identity (the target host is the request's).</summary>
    public SocketsHttpHandler Configure(SocketsHttpHandler handler)
    {
        handler.SslOptions = ClientOptions(null);
        return handler;
    }

    public void Dispose()
    {
        Certificate?.Dispose();
        foreach (var authority in Authorities) authority.Dispose();
    }

    private static void EnsureReadable(string path, string flag)
    {
        try
        {
            using var _ = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TlsException($"{flag} {path}: {(e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message)}", e);
        }
    }

    private static void EnsureCurrent(X509Certificate2 certificate, DateTimeOffset now, string what)
    {
        if (now.UtcDateTime > certificate.NotAfter.ToUniversalTime())
            throw new TlsException($"{what}: the certificate '{certificate.Subject}' expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC");
        if (now.UtcDateTime < certificate.NotBefore.ToUniversalTime())
            throw new TlsException($"{what}: the certificate '{certificate.Subject}' is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC");
    }

    private static string Describe(Exception e) =>
        e.Message.Contains("does not match", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("public key", StringComparison.OrdinalIgnoreCase)
            ? "the key does not match the certificate"
            : e.Message;
}

/// <summary>URLs and HTTP handlers for a process that speaks TLS (an identity) or plain HTTP (null).</summary>
public static class Https
{
    public static string SchemeOf(TlsIdentity? tls) => tls is null ? "http" : TlsIdentity.Scheme;

    /// <summary><c>scheme://address/path</c>, address being <c>host:port</c> and path starting with '/' (or empty).</summary>
    public static string Url(TlsIdentity? tls, string address, string path = "") => $"{SchemeOf(tls)}://{address}{path}";

    /// <summary><paramref name="handler"/>, made to speak TLS as <paramref name="tls"/> when given.</summary>
    public static SocketsHttpHandler Handler(TlsIdentity? tls, SocketsHttpHandler handler) => tls is null ? handler : tls.Configure(handler);
}
