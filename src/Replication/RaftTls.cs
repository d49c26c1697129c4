using DotNext.Net.Security;
using Mesos.HA.Protocol.Security;

namespace Mesos.HA.Replication;

/// <summary>
/// Mutual TLS between masters on the Raft transport: each side presents its certificate and accepts the
/// other's only when it chains to the cluster's authority (a master holding another authority's
/// certificate, or none, cannot vote, replicate or be heard). Names are not checked: members are known
/// by address, and the authority's signature is what admits one.
/// </summary>
internal sealed class RaftTls : SslOptions
{
    public RaftTls(TlsIdentity tls)
    {
        if (tls.Certificate is null) throw new ArgumentException("a master on TLS needs its certificate and key (--tls-cert, --tls-key)", nameof(tls));
        if (tls.Authorities.Count == 0) throw new ArgumentException("mutual TLS between masters needs the cluster's authority (--tls-ca)", nameof(tls));
        var server = tls.ServerOptions(requireClientCertificate: true);
        ServerOptions.ServerCertificate = server.ServerCertificate;
        ServerOptions.ClientCertificateRequired = true;
        ServerOptions.RemoteCertificateValidationCallback = server.RemoteCertificateValidationCallback;
        ServerOptions.EnabledSslProtocols = server.EnabledSslProtocols;
        var client = tls.ClientOptions(targetHost: null, checkName: false);
        ClientOptions.ClientCertificates = client.ClientCertificates;
        ClientOptions.RemoteCertificateValidationCallback = client.RemoteCertificateValidationCallback;
        ClientOptions.EnabledSslProtocols = client.EnabledSslProtocols;
    }
}
