using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesos.HA.Protocol.Security;

/// <summary>A certificate and its private key, both PEM.</summary>
public sealed record PemPair(string Certificate, string Key);

/// <summary>A file only its owner may read or write (keys, secrets), created so: never readable by others, even for an instant.</summary>
public static class PrivateFile
{
    public static void Write(string path, string text)
    {
        if (OperatingSystem.IsWindows())
        {
            File.WriteAllText(path, text);
            return;
        }
        // An existing file keeps its mode when truncated: narrow it before the secret goes in.
        if (File.Exists(path)) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }
}

/// <summary>
/// A cluster's own certificate authority, made with .NET's crypto (no openssl): a self-signed ECDSA P-256
/// CA that issues each master, agent and client a certificate for its names and addresses, usable both
/// to serve and to dial (masters are each other's clients on the Raft transport).
/// </summary>
public sealed class ClusterAuthority : IDisposable
{
    private readonly X509Certificate2 certificate;

    private ClusterAuthority(X509Certificate2 certificate) => this.certificate = certificate;

    /// <summary>A new authority valid from <paramref name="now"/> (less a minute of clock skew) for <paramref name="validity"/>.</summary>
    public static ClusterAuthority Create(string name, DateTimeOffset now, TimeSpan validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(name)}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return new ClusterAuthority(request.CreateSelfSigned(now.AddMinutes(-1), now.Add(validity)));
    }

    /// <summary>Reads an authority back from its PEM certificate and key (to issue more certificates later).</summary>
    public static ClusterAuthority Load(string certificateFile, string keyFile) =>
        new(X509Certificate2.CreateFromPemFile(certificateFile, keyFile));

    /// <summary>The authority's own certificate and key.</summary>
    public PemPair Pem => new(certificate.ExportCertificatePem(), certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());

    /// <summary>
    /// A certificate for <paramref name="commonName"/>, with every entry of <paramref name="names"/> as a
    /// subject alternative name (IP addresses as such, the rest as DNS names), for server and client use.
    /// </summary>
    public PemPair Issue(string commonName, IEnumerable<string> names, DateTimeOffset now, TimeSpan validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(commonName)}"), key, HashAlgorithmName.SHA256);
        var alternative = new SubjectAlternativeNameBuilder();
        foreach (var name in names.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (IPAddress.TryParse(name, out var ip)) alternative.AddIpAddress(ip);
            else alternative.AddDnsName(name);
        }
        request.CertificateExtensions.Add(alternative.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client authentication
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(certificate, true, false));
        var notAfter = now.Add(validity) < certificate.NotAfter ? now.Add(validity) : new DateTimeOffset(certificate.NotAfter);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(certificate, now.AddMinutes(-1), notAfter, serial);
        return new PemPair(issued.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose() => certificate.Dispose();

    private static string Escape(string name) => name.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace(",", "\\,", StringComparison.Ordinal).Replace("=", "\\=", StringComparison.Ordinal)
        .Replace("+", "\\+", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
