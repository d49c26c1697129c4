using Mesos.HA.Protocol.Security;
using Xunit;

namespace Mesos.HA.Protocol.Tests;

/// <summary>Mesos' ACL semantics: rules in order, the first whose principals and objects match decides, NONE denies, permissive otherwise.</summary>
public sealed class AclsTests
{
    private static readonly Acls Policy = Acls.Parse("""
        {
          "permissive": false,
          "register_frameworks": [
            {"principals": {"values": ["web"]}, "roles": {"values": ["web", "web/canary"]}},
            {"principals": {"values": ["web"]}, "roles": {"type": "NONE"}},
            {"principals": {"type": "ANY"}, "roles": {"values": ["*"]}}
          ],
          "run_tasks": [
            {"principals": {"type": "NONE"}, "users": {"values": ["root"]}},
            {"principals": {"type": "ANY"}, "users": {"type": "ANY"}}
          ]
        }
        """, "test");

    [Theory]
    [InlineData("register_frameworks", "web", "web", true)]
    [InlineData("register_frameworks", "web", "web/canary", true)]
    [InlineData("register_frameworks", "web", "batch", false)] // the NONE rule matches first
    [InlineData("register_frameworks", "web", "*", false)]     // so does it for '*'
    [InlineData("register_frameworks", "batch", "*", true)]
    [InlineData("register_frameworks", "batch", "web", false)] // no rule: not permissive
    [InlineData("register_frameworks", null, "*", true)]       // ANY takes unauthenticated subjects too
    [InlineData("run_tasks", "web", "root", false)]            // nobody runs as root
    [InlineData("run_tasks", null, "root", false)]
    [InlineData("run_tasks", "web", "nobody", true)]
    [InlineData("update_weights", "ops", "web", false)]        // an action without rules: permissive (false)
    public void TheFirstMatchingRuleDecides(string action, string? principal, string target, bool allowed) =>
        Assert.Equal(allowed, Policy.Allows(action, principal, target));

    [Fact]
    public void Restricts_OnlyWhenSomeRequestCanBeRefused_SoCallersMaySkipCheckingEachObject()
    {
        Assert.False(Acls.AllowAll.Restricts("view_frameworks"));
        Assert.True(Policy.Restricts("view_tasks"));                      // not permissive: everything without a rule is refused
        var permissive = Acls.Parse("""
            {"view_frameworks": [{"principals": {"values": ["a"]}, "users": {"type": "ANY"}}],
             "view_tasks": [{"principals": {"values": ["a"]}, "users": {"type": "NONE"}}],
             "view_executors": [{"principals": {"type": "NONE"}, "users": {"values": ["root"]}}]}
            """, "test");
        Assert.False(permissive.Restricts("view_frameworks"));            // an allowing rule refuses no one
        Assert.True(permissive.Restricts("view_tasks"));
        Assert.True(permissive.Restricts("view_executors"));
        Assert.False(permissive.Restricts("teardown_frameworks"));
        Assert.Throws<ArgumentOutOfRangeException>(() => permissive.Restricts("view_everything"));
    }

    [Fact]
    public void WithoutRules_PermissiveDecides()
    {
        Assert.True(Acls.Parse("{}", "x").Allows("run_tasks", null, "root"));
        Assert.False(Acls.Parse("""{"permissive": false}""", "x").Allows("run_tasks", "a", "b"));
        Assert.True(Acls.AllowAll.Allows("update_quotas", null, "r"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Acls.AllowAll.Allows("run_task", null, "r"));
    }

    [Theory]
    [InlineData("""{"run_task": []}""", "unknown action 'run_task'")]
    [InlineData("""{"permissive": "no"}""", "'permissive' is not a boolean")]
    [InlineData("""{"run_tasks": {}}""", "'run_tasks' is not a list of rules")]
    [InlineData("""{"run_tasks": [{"principals": {"type": "ANY"}}]}""", "run_tasks[0]: 'users' is missing")]
    [InlineData("""{"run_tasks": [{"principals": {"type": "ANY"}, "roles": {"type": "ANY"}}]}""", "unknown field 'roles'")]
    [InlineData("""{"run_tasks": [{"principals": {"type": "SOME"}, "users": {"type": "ANY"}}]}""", "'principals.type' must be ANY or NONE")]
    [InlineData("""{"run_tasks": [{"principals": {"values": [1]}, "users": {"type": "ANY"}}]}""", "'principals.values' is not a list of strings")]
    [InlineData("""{"run_tasks": [{"principals": {"values": ["a"], "type": "ANY"}, "users": {"type": "ANY"}}]}""", "either 'values' or 'type'")]
    [InlineData("""{"run_tasks": [""", "malformed JSON")]
    [InlineData("""[]""", "ACLs are a JSON object")]
    public void ABadDocument_IsRefused_NamingWhere(string json, string expected) =>
        Assert.Contains(expected, Assert.Throws<AclException>(() => Acls.Parse(json, "acls.json")).Message);

    /// <summary>Found while writing the AFL++ target <c>acls</c> (tests/Fuzz), and replayed through it: an escaped lone surrogate threw InvalidOperationException when its string was read.</summary>
    [Theory]
    [InlineData("""{"run_tasks":[{"principals":{"values":["\udc00"]},"users":{"type":"ANY"}}]}""")]
    [InlineData("""{"run_tasks":[{"principals":{"type":"\ud800"},"users":{"type":"ANY"}}]}""")]
    [InlineData("""{"\ud800":[]}""")]
    public void Regression_AnEscapedLoneSurrogate_IsRefused(string json) =>
        Assert.Equal($"acls.json: {JsonEscapes.LoneSurrogateMessage}", Assert.Throws<AclException>(() => Acls.Parse(json, "acls.json")).Message);

    [Fact]
    public void Load_TakesTheDocumentOrAFileHoldingIt()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """{"permissive": false}""");
            Assert.False(Acls.Load(path).Permissive);
            Assert.False(Acls.Load("""  {"permissive": false}""").Permissive);
            Assert.StartsWith("/no/such/acls.json: ", Assert.Throws<AclException>(() => Acls.Load("/no/such/acls.json")).Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
