using Mesos.HA.Protocol.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Mesos.HA.Master.Http;

/// <summary>The master's HTTP listener on TLS (<c>--tls-cert</c>): every endpoint, the agent channel included, over HTTPS.</summary>
internal static class TlsListener
{
    public static void Use(ListenOptions listen, TlsIdentity? tls)
    {
        if (tls is null) return;
        listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = tls.Certificate ?? throw new ArgumentException("a master on TLS needs --tls-cert and --tls-key", nameof(tls)),
            SslProtocols = TlsIdentity.Protocols,
            ClientCertificateMode = tls.RequireClientCertificate ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.NoCertificate,
            ClientCertificateValidation = tls.AcceptsClient,
        });
    }
}
