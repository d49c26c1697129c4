using System.Text;
using Mesos.HA.Master.Operator.V1;
using Mesos.HA.Protocol;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>The operator's TEARDOWN is served now: it names one framework, and a call without one is 400, not 501.</summary>
public class OperatorTeardownCallTests
{
    [Fact]
    public void Teardown_NamesItsFramework()
    {
        Assert.True(OperatorCallJson.TryParse(Encoding.UTF8.GetBytes("""{"type":"TEARDOWN","teardown":{"framework_id":{"value":"f-1"}}}"""),
            out var call, out var error, out var notServed), error);
        Assert.Equal(new OperatorCall.Teardown(new FrameworkId("f-1")), call);
        Assert.False(notServed);
    }

    [Theory]
    [InlineData("""{"type":"TEARDOWN"}""", "'teardown' is missing or not an object")]
    [InlineData("""{"type":"TEARDOWN","teardown":{}}""", "'framework_id' is missing or not an object")]
    [InlineData("""{"type":"TEARDOWN","teardown":{"framework_id":{"value":""}}}""", "'teardown.framework_id.value' is missing")]
    public void Teardown_WithoutAFramework_IsMalformed(string body, string expected)
    {
        Assert.False(OperatorCallJson.TryParse(Encoding.UTF8.GetBytes(body), out _, out var error, out var notServed));
        Assert.Equal(expected, error);
        Assert.False(notServed);
    }
}
