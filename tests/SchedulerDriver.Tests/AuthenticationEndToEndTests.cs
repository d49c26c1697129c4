using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Mesos.HA.Cli;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Security;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.SchedulerDriver.Tests;

/// <summary>
/// HTTP Basic authentication over real processes: a master with every realm authenticated refuses
/// requests without credentials or with a wrong secret (401 naming the realm), an agent without its
/// credential cannot register and one with it can, a framework on the driver with its credential runs
/// a task while one claiming another principal is refused, and no secret reaches a log or an answer.
/// </summary>
public sealed class AuthenticationEndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = ClusterHarness.Deadline;
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = Wait };
    private static readonly Credential Operator = new("ops", "ops-Secret-5150");
    private static readonly Credential Framework = new("web", "web-Secret-7734");
    private static readonly Credential AgentCredential = new("agent", "agent-Secret-1984");

    [Fact]
    public async Task EveryRealm_RefusesMissingOrWrongCredentials_AndAcceptsItsPrincipals_WithoutASecretInAnyLog()
    {
        var root = Directory.CreateTempSubdirectory("mesos-ha-auth-").FullName;
        var credentials = Path.Combine(root, "credentials.json");
        await File.WriteAllTextAsync(credentials, $$"""
            {"credentials": [
              {"principal": "{{Operator.Principal}}", "secret": "{{Operator.Secret}}"},
              {"principal": "{{Framework.Principal}}", "secret": "{{Framework.Secret}}"},
              {"principal": "{{AgentCredential.Principal}}", "secret": "{{AgentCredential.Secret}}"}]}
            """);
        OwnerOnly(credentials);
        var agentFile = Path.Combine(root, "agent-credential");
        await File.WriteAllTextAsync(agentFile, $"{AgentCredential.Principal} {AgentCredential.Secret}\n");
        OwnerOnly(agentFile);
        AgentProcess? stranger = null;
        try
        {
            await using var cluster = new ClusterHarness(1, output, "--credentials", credentials, "--authenticate-http-frameworks",
                "--authenticate-http-readonly", "--authenticate-http-readwrite", "--authenticate-agents");
            var m = (await cluster.LeaderAsync()).HttpAddress;

            // Each realm: no credentials, a wrong secret and an unknown principal are 401 with the realm named; /health stays open.
            (HttpMethod Method, string Path, string Body, string Realm)[] surfaces =
            [
                (HttpMethod.Get, "/master/state", "", "mesos-master-readonly"),
                (HttpMethod.Get, "/metrics/snapshot", "", "mesos-master-readonly"),
                (HttpMethod.Get, "/maintenance/status", "", "mesos-master-readonly"),
                (HttpMethod.Post, "/api/v1", """{"type":"GET_HEALTH"}""", "mesos-master-readwrite"),
                (HttpMethod.Post, "/machine/down", """[{"ip":"10.0.0.1"}]""", "mesos-master-readwrite"),
                (HttpMethod.Post, "/api/v1/scheduler", """{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"x","user":"x"}}}""", "mesos-master-scheduler"),
            ];
            foreach (var (method, path, body, realm) in surfaces)
                foreach (var presented in new Credential?[] { null, Operator with { Secret = "wrong" }, new("nobody", Operator.Secret) })
                {
                    using var refused = await SendAsync(m, method, path, body, presented);
                    Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} as {presented?.Principal ?? "nobody"}: {(int)refused.StatusCode}");
                    Assert.Equal($"Basic realm=\"{realm}\"", refused.Headers.WwwAuthenticate.ToString());
                }
            using (var health = await Http.GetAsync($"http://{m}/health")) Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            using (var state = await SendAsync(m, HttpMethod.Get, "/master/state", "", Operator)) Assert.Equal(HttpStatusCode.OK, state.StatusCode);
            using (var call = await SendAsync(m, HttpMethod.Post, "/api/v1", """{"type":"GET_HEALTH"}""", Operator)) Assert.Equal(HttpStatusCode.OK, call.StatusCode);

            // An agent without its credential is refused; with it, it registers.
            stranger = new AgentProcess("stranger", EndPoints.FreePort(), Path.Combine(root, "stranger"), Path.Combine(root, "stranger.log"), [m],
                ["--resources", "cpus:1;mem:128"]);
            stranger.Start();
            await Poll.UntilAsync("the agent without a credential is refused with 401", () =>
                File.Exists(stranger.LogFile) && File.ReadAllText(stranger.LogFile).Contains("HTTP 401, it authenticates agents (give --credential)"), Wait,
                () => File.Exists(stranger.LogFile) ? File.ReadAllText(stranger.LogFile) : "(no log)");
            Assert.False((await stranger.TryHealthAsync())?.Registered ?? false);
            await cluster.StartAgentAsync("cpus:2;mem:256", "--credential", agentFile);

            // A framework claiming another principal is refused (400) and stops; the right one runs its task.
            var impostor = new RecordingScheduler();
            await using (var wrong = new MesosSchedulerDriver(impostor, new FrameworkInfo { Name = "impostor", Principal = Operator.Principal }, [m],
                             new SchedulerDriverOptions { Credential = Framework }))
            {
                Assert.Equal(DriverStatus.Aborted, await wrong.RunAsync().WaitAsync(Wait));
                Assert.Contains("differs from the authenticated principal 'web'", impostor.LastError);
            }
            var scheduler = new RecordingScheduler();
            scheduler.Launch("authenticated", "echo ran as an authenticated framework");
            await using var driver = new MesosSchedulerDriver(scheduler, new FrameworkInfo { Name = "authenticated" }, [m],
                new SchedulerDriverOptions { Credential = Framework });
            driver.Start();
            await scheduler.WaitAsync("the authenticated framework's task finishes", () => scheduler.StatesOf("authenticated").Contains(TaskState.Finished), Wait);

            // No secret in what the state endpoints and the operator API answer, nor in a refusal.
            var answers = new List<string>();
            foreach (var (method, path, body) in new[]
                     {
                         (HttpMethod.Get, "/master/state", ""), (HttpMethod.Get, "/master/overview", ""), (HttpMethod.Get, "/metrics/snapshot", ""),
                         (HttpMethod.Post, "/api/v1", """{"type":"GET_FLAGS"}"""), (HttpMethod.Post, "/api/v1", """{"type":"GET_STATE"}"""),
                         (HttpMethod.Post, "/api/v1", """{"type":"GET_FRAMEWORKS"}"""), (HttpMethod.Post, "/api/v1", """{"type":"GET_AGENTS"}"""),
                     })
                foreach (var presented in new Credential?[] { Operator, Operator with { Secret = Framework.Secret } })
                {
                    using var answer = await SendAsync(m, method, path, body, presented);
                    answers.Add(await answer.Content.ReadAsStringAsync());
                }
            Assert.Contains(answers, a => a.Contains("\"authenticate_http_frameworks\",\"value\":\"true\"", StringComparison.Ordinal));
            foreach (var answer in answers)
                foreach (var secret in new[] { Operator.Secret, Framework.Secret, AgentCredential.Secret })
                    Assert.DoesNotContain(secret, answer);

            // No secret in any log of the run (the refusals above logged the principals they saw).
            var logs = cluster.Group.Masters.Select(x => x.LogFile).Append(stranger.LogFile)
                .Concat(Directory.EnumerateFiles(cluster.Group.Root, "*.log")).Where(File.Exists).Distinct().ToArray();
            Assert.NotEmpty(logs);
            foreach (var log in logs)
            {
                var text = await File.ReadAllTextAsync(log);
                foreach (var secret in new[] { Operator.Secret, Framework.Secret, AgentCredential.Secret })
                    Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{log} holds a secret");
            }
            // The master's logger writes in the background: poll for its line rather than read once.
            await Poll.UntilAsync("the master logs the refused read", async () =>
                (await File.ReadAllTextAsync(cluster.Group.Masters[0].LogFile)).Contains("Refused GET /master/state", StringComparison.Ordinal), Wait);
        }
        finally
        {
            stranger?.Dispose();
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    [Fact]
    public async Task Acls_RefuseRolesUsersWritesAndEndpoints_ThePrincipalIsNotAllowed()
    {
        var root = Directory.CreateTempSubdirectory("mesos-ha-acls-").FullName;
        var credentials = Path.Combine(root, "credentials");
        var batch = new Credential("batch", "batch-Secret-2001");
        await File.WriteAllTextAsync(credentials,
            $"{Operator.Principal} {Operator.Secret}\n{Framework.Principal} {Framework.Secret}\n{batch.Principal} {batch.Secret}\n");
        OwnerOnly(credentials);
        var acls = Path.Combine(root, "acls.json");
        await File.WriteAllTextAsync(acls, """
            {"permissive": false,
             "register_frameworks": [{"principals": {"values": ["web"]}, "roles": {"values": ["web"]}},
                                     {"principals": {"values": ["batch"]}, "roles": {"values": ["batch"]}}],
             "run_tasks": [{"principals": {"values": ["web"]}, "users": {"values": ["USER", "nobody"]}},
                           {"principals": {"values": ["batch"]}, "users": {"type": "NONE"}}],
             "update_weights": [{"principals": {"values": ["ops"]}, "roles": {"values": ["web"]}}],
             "get_endpoints": [{"principals": {"values": ["ops"]}, "paths": {"values": ["/metrics/snapshot"]}}],
             "register_agents": [{"principals": {"type": "ANY"}, "agents": {"type": "ANY"}}]}
            """.Replace("USER", Environment.UserName));
        try
        {
            await using var cluster = new ClusterHarness(1, output, "--credentials", credentials, "--authenticate-http-frameworks",
                "--authenticate-http-readwrite", "--acls", acls);
            var m = (await cluster.LeaderAsync()).HttpAddress;
            var agent = await cluster.StartAgentAsync("cpus:2;mem:256");

            // A role the principal may not use: a stream holding one ERROR, and the driver stops with it.
            var wrongRole = new RecordingScheduler();
            await using (var refused = new MesosSchedulerDriver(wrongRole, new FrameworkInfo { Name = "wrong-role", Roles = ["batch"] }, [m],
                             new SchedulerDriverOptions { Credential = Framework }))
                Assert.Equal(DriverStatus.Aborted, await refused.RunAsync().WaitAsync(Wait));
            Assert.Contains("Not authorized to use role 'batch'", wrongRole.LastError);

            // A user the principal may not run tasks as: TASK_ERROR, and nothing reaches the agent.
            var denied = new RecordingScheduler();
            denied.Launch("forbidden", "echo must not run");
            await using (var batchDriver = new MesosSchedulerDriver(denied, new FrameworkInfo { Name = "batch", Roles = ["batch"] }, [m],
                             new SchedulerDriverOptions { Credential = batch }))
            {
                batchDriver.Start();
                await denied.WaitAsync("the forbidden task's TASK_ERROR", () => denied.StatesOf("forbidden").Contains(TaskState.Error), Wait);
                var error = denied.UpdatesOf("forbidden").Single();
                Assert.Equal(("REASON_TASK_UNAUTHORIZED", $"Not authorized to launch as user '{Environment.UserName}'"), (error.Reason, error.Message));
            }
            Assert.Empty((await agent.TryTasksAsync())!);

            // The allowed role and users run: the framework's, and a task's own user (CommandInfo.user) the ACL allows, which the
            // agent (as root) runs it as; a task's own user the ACL does not allow is TASK_ERROR alone, its neighbours run.
            var allowed = new RecordingScheduler();
            allowed.Launch("permitted", "echo allowed");
            allowed.Launch("as-nobody", "id -un", user: "nobody");
            allowed.Launch("as-daemon", "echo must not run", user: "daemon");
            await using var webDriver = new MesosSchedulerDriver(allowed, new FrameworkInfo { Name = "web", Roles = ["web"] }, [m],
                new SchedulerDriverOptions { Credential = Framework });
            webDriver.Start();
            await allowed.WaitAsync("the permitted tasks finish, the other is refused", () => allowed.StatesOf("permitted").Contains(TaskState.Finished)
                && allowed.StatesOf("as-nobody").Contains(TaskState.Finished) && allowed.StatesOf("as-daemon").Contains(TaskState.Error), Wait);
            Assert.Equal("Not authorized to launch as user 'daemon'", allowed.UpdatesOf("as-daemon").Single().Message);
            if (Environment.UserName == "root")
                Assert.Equal("nobody", File.ReadAllText(Path.Combine(ClusterHarness.SandboxOf(agent, "as-nobody"), "stdout")).Trim());
            Assert.DoesNotContain((await agent.TryTasksAsync())!, t => t.TaskId == "as-daemon");

            // Operator writes by role, endpoints by path: 403 where the ACLs say so, nothing changed.
            const string weightsOf = """{"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[{"role":"ROLE","weight":3}]}}""";
            using (var ok = await SendAsync(m, HttpMethod.Post, "/api/v1", weightsOf.Replace("ROLE", "web"), Operator)) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            using (var no = await SendAsync(m, HttpMethod.Post, "/api/v1", weightsOf.Replace("ROLE", "batch"), Operator))
            {
                Assert.Equal(HttpStatusCode.Forbidden, no.StatusCode);
                Assert.Contains("not authorized to update weights 'batch'", await no.Content.ReadAsStringAsync());
            }
            using (var weights = await SendAsync(m, HttpMethod.Post, "/api/v1", """{"type":"GET_WEIGHTS"}""", Operator))
                Assert.DoesNotContain("batch", await weights.Content.ReadAsStringAsync());
            using (var metrics = await SendAsync(m, HttpMethod.Get, "/metrics/snapshot", "", Operator)) Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            using (var hidden = await SendAsync(m, HttpMethod.Get, "/metrics/snapshot", "", Framework)) Assert.Equal(HttpStatusCode.Forbidden, hidden.StatusCode);
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static void OwnerOnly(string file)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static async Task<HttpResponseMessage> SendAsync(string master, HttpMethod method, string path, string body, Credential? credential)
    {
        using var request = new HttpRequestMessage(method, $"http://{master}{path}");
        if (body.Length > 0) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        if (credential is not null) request.Headers.Authorization = AuthenticationHeaderValue.Parse(credential.BasicHeader());
        return await Http.SendAsync(request);
    }
}
