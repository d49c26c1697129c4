using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Security;
using Registry = Mesos.HA.Replication.Registry.Registry;

namespace Mesos.HA.Master.Security;

/// <summary>What an operator's request to tear a framework down gets, before anything changes.</summary>
public enum TeardownVerdict
{
    Allowed,

    /// <summary>The registry holds no such framework (400, as Mesos: "No framework found with specified ID").</summary>
    Unknown,

    /// <summary>The ACLs do not let the principal tear down frameworks of this framework's principal (403).</summary>
    Forbidden,
}

/// <summary>
/// Mesos' <c>teardown_frameworks</c>: an operator (the TEARDOWN call, <c>/teardown</c>) may tear down a
/// framework when the ACLs let its principal act on the principal the framework registered with; a
/// framework registered without one is the empty principal, which only an ANY rule (or a permissive
/// default) covers. A framework's own TEARDOWN is not subject to it.
/// </summary>
public static class TeardownAuthorization
{
    public static TeardownVerdict Decide(Registry registry, FrameworkId framework, Acls acls, string? principal)
    {
        if (!registry.Frameworks.TryGetValue(framework, out var record)) return TeardownVerdict.Unknown;
        return acls.Allows("teardown_frameworks", principal, record.Info.Principal ?? "") ? TeardownVerdict.Allowed : TeardownVerdict.Forbidden;
    }
}
