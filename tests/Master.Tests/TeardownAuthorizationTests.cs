using Mesos.HA.Master.Security;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Security;
using Xunit;
using Registry = Mesos.HA.Replication.Registry.Registry;

namespace Mesos.HA.Master.Tests;

/// <summary>Mesos' <c>teardown_frameworks</c>: by the principal the framework registered with; an unknown framework is not a refusal.</summary>
public class TeardownAuthorizationTests
{
    private static readonly FrameworkId Web = new("f-web");
    private static readonly FrameworkId Anonymous = new("f-anon");

    private static readonly Registry Frameworks = Registry.Empty
        .Apply(new AddFramework(Web, new FrameworkInfo("web", "u", ["*"], [], "web", null, null), 60_000, 1)).Next
        .Apply(new AddFramework(Anonymous, new FrameworkInfo("anon", "u", ["*"], [], null, null, null), 60_000, 1)).Next;

    private static readonly Acls OpsTearsDownWeb = Acls.Parse("""
        {"permissive": false,
         "teardown_frameworks": [{"principals": {"values": ["ops"]}, "framework_principals": {"values": ["web"]}},
                                 {"principals": {"values": ["root"]}, "framework_principals": {"type": "ANY"}}]}
        """, "test");

    [Theory]
    [InlineData("ops", "f-web", TeardownVerdict.Allowed)]
    [InlineData("ops", "f-anon", TeardownVerdict.Forbidden)]   // registered without a principal: only ANY covers it
    [InlineData("root", "f-anon", TeardownVerdict.Allowed)]
    [InlineData("batch", "f-web", TeardownVerdict.Forbidden)]
    [InlineData(null, "f-web", TeardownVerdict.Forbidden)]     // unauthenticated
    [InlineData("batch", "f-none", TeardownVerdict.Unknown)]   // unknown before forbidden, as Mesos answers
    public void TheOperatorsPrincipal_MustBeAllowedTheFrameworksPrincipal(string? principal, string framework, TeardownVerdict expected) =>
        Assert.Equal(expected, TeardownAuthorization.Decide(Frameworks, new FrameworkId(framework), OpsTearsDownWeb, principal));

    [Fact]
    public void WithoutAcls_EveryKnownFrameworkMayBeTornDown()
    {
        Assert.Equal(TeardownVerdict.Allowed, TeardownAuthorization.Decide(Frameworks, Web, Acls.AllowAll, null));
        Assert.Equal(TeardownVerdict.Allowed, TeardownAuthorization.Decide(Frameworks, Anonymous, Acls.AllowAll, "x"));
        Assert.Equal(TeardownVerdict.Unknown, TeardownAuthorization.Decide(Frameworks, new FrameworkId("nope"), Acls.AllowAll, null));
    }
}
