using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>LAUNCH with a custom executor (ExecutorInfo) or a health check: what the master reads, and what it refuses and why.</summary>
public sealed class SchedulerCallJsonExecutorTests
{
    private const string Where = "accept.operations[0].launch.task_infos[0]";
    private const string Executor = """ "executor":{"executor_id":{"value":"e-1"},"name":"exec","command":{"value":"./my-executor"},"resources":[{"name":"cpus","scalar":{"value":0.5}},{"name":"mem","scalar":{"value":32}}]} """;
    private const string Command = """ "command":{"value":"ls"} """;

    /// <summary>An ACCEPT of framework f launching one task with <paramref name="fields"/> beside its id, name and resources.</summary>
    private static string Accept(string fields) =>
        $$$"""{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":[{"value":"o1"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"name":"n","task_id":{"value":"t"},"resources":[{"name":"cpus","scalar":{"value":1}}],{{{fields}}}}]}}]}}""";

    private static string Check(string check, string task = Command) => $$"""{{task}},"health_check":{{{check}}}""";

    public static TheoryData<string, string> Launches => new()
    {
        { Accept(Executor), "ok: Accept f [o1] refuse= launches=[t n cpus:1  executor=e-1/exec/./my-executor/cpus:0.5;mem:32]" },
        { Accept(Executor.Replace("\"executor_id\"", "\"type\":\"CUSTOM\",\"framework_id\":{\"value\":\"f\"},\"executor_id\"")), "ok: Accept f [o1] refuse= launches=[t n cpus:1  executor=e-1/exec/./my-executor/cpus:0.5;mem:32]" },
        { Accept(Command + "," + Executor), $"error: {Where} needs exactly one of 'command' (the command executor) and 'executor' (a custom one)" },
        { Accept(""" "executor":{"command":{"value":"x"}} """), $"error: {Where}.executor.executor_id.value is missing" },
        { Accept(""" "executor":{"executor_id":{"value":"e"}} """), $"error: {Where}.executor.command.value is missing" },
        { Accept(""" "executor":{"executor_id":{"value":"e"},"command":{"value":"x","shell":false}} """), $"error: {Where}.executor.command.shell=false is not supported; give a shell command" },
        { Accept(""" "executor":{"type":"DEFAULT","executor_id":{"value":"e"},"command":{"value":"x"}} """), $"error: {Where}.executor.type must be CUSTOM, not 'DEFAULT'" },
        { Accept(""" "executor":{"executor_id":{"value":"e"},"framework_id":{"value":"g"},"command":{"value":"x"}} """), $"error: {Where}.executor.framework_id is g, not the caller's f" },
        { Accept(""" "executor":{"executor_id":{"value":"e"},"command":{"value":"x"},"resources":[{"scalar":{"value":1}}]} """), $"error: {Where}.executor.resources[0]: has no name" },
        { Accept(""" "executor":{"executor_id":{"value":"e"},"command":{"value":"x"},"resources":{}} """), $"error: {Where}.executor.resources must be a list" },

        // Health checks: Mesos' defaults for what is left out (delay 15 s, interval 10 s, timeout 20 s, 3 failures, grace 10 s).
        { Accept(Check(""" "type":"HTTP","http":{"port":8080} """)), "ok: Accept f [o1] refuse= launches=[t n cpus:1 ls check=Http//8080///http/15/10/20/3/10]" },
        { Accept(Check(""" "type":"HTTP","http":{"port":8443,"path":"/health","scheme":"https"},"delay_seconds":0,"interval_seconds":2.5,"timeout_seconds":1,"consecutive_failures":1,"grace_period_seconds":30 """)), "ok: Accept f [o1] refuse= launches=[t n cpus:1 ls check=Http//8443//health/https/0/2.5/1/1/30]" },
        { Accept(Check(""" "type":"TCP","tcp":{"port":"9000"} """, Executor)), "ok: Accept f [o1] refuse= launches=[t n cpus:1  executor=e-1/exec/./my-executor/cpus:0.5;mem:32 check=Tcp//9000///15/10/20/3/10]" },
        { Accept(Check(""" "type":"COMMAND","command":{"value":"curl -f localhost"} """)), "ok: Accept f [o1] refuse= launches=[t n cpus:1 ls check=Command/curl -f localhost/0///15/10/20/3/10]" },
        { Accept(Check(""" "http":{"port":80} """)), $"error: {Where}.health_check.type must be COMMAND, HTTP or TCP, not ''" },
        { Accept(Check(""" "type":"GRPC" """)), $"error: {Where}.health_check.type must be COMMAND, HTTP or TCP, not 'GRPC'" },
        { Accept(Check(""" "type":"COMMAND" """)), $"error: {Where}.health_check.command.value is missing" },
        { Accept(Check(""" "type":"HTTP" """)), $"error: {Where}.health_check.http.port is missing" },
        { Accept(Check(""" "type":"HTTP","http":{"port":70000} """)), $"error: {Where}.health_check.http.port must be from 1 to 65535" },
        { Accept(Check(""" "type":"HTTP","http":{"port":80,"scheme":"ftp"} """)), $"error: {Where}.health_check.http.scheme must be http or https, not 'ftp'" },
        { Accept(Check(""" "type":"HTTP","http":{"port":80,"path":"health"} """)), $"error: {Where}.health_check.http.path must start with '/'" },
        { Accept(Check(""" "type":"TCP" """)), $"error: {Where}.health_check.tcp.port is missing" },
        { Accept(Check(""" "type":"TCP","tcp":{"port":0} """)), $"error: {Where}.health_check.tcp.port must be from 1 to 65535" },
        { Accept(Check(""" "type":"TCP","tcp":{"port":1},"interval_seconds":0 """)), $"error: {Where}.health_check.interval_seconds must be seconds above 0 up to 86400" },
        { Accept(Check(""" "type":"TCP","tcp":{"port":1},"timeout_seconds":-1 """)), $"error: {Where}.health_check.timeout_seconds must be seconds above 0 up to 86400" },
        { Accept(Check(""" "type":"TCP","tcp":{"port":1},"delay_seconds":-1 """)), $"error: {Where}.health_check.delay_seconds must be seconds from 0 up to 86400" },
        { Accept(Check(""" "type":"TCP","tcp":{"port":1},"grace_period_seconds":1e9 """)), $"error: {Where}.health_check.grace_period_seconds must be seconds from 0 up to 86400" },
        { Accept(Check(""" "type":"TCP","tcp":{"port":1},"consecutive_failures":-2 """)), $"error: {Where}.health_check.consecutive_failures must not be negative" },
    };

    [Theory]
    [MemberData(nameof(Launches))]
    public void Launches_WithExecutorsAndHealthChecks_AreReadOrRefused(string body, string expected) =>
        Assert.Equal(expected, SchedulerCallJsonTests.Outcome(body));

    [Fact]
    public void Shutdown_NamesTheExecutorAndTheAgent() =>
        Assert.Equal("ok: Shutdown f e-1 a-1", SchedulerCallJsonTests.Outcome(
            """{"type":"SHUTDOWN","framework_id":{"value":"f"},"shutdown":{"executor_id":{"value":"e-1"},"agent_id":{"value":"a-1"}}}"""));
}
