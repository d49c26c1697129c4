using System.Net.Http.Json;
using Mesos.HA.Cli.Local;
using Mesos.HA.Master;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Security;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Cli.Tests;

/// <summary>
/// TLS over real processes: a secure cluster (<see cref="LocalSecurity"/>) serves only HTTPS that its own
/// authority vouches for, the CLI and a framework on the driver work through it with the authority and a
/// credential; a master holding another authority's certificate cannot join the Raft group; a master that
/// requires client certificates refuses clients without one; <c>tls init</c> and bad TLS flags from the CLI.
/// </summary>
public sealed class TlsEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string root = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "tls-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task SecureCluster_ServesOnlyTrustedHttps_AndTheCliAndAFrameworkWorkThroughIt()
    {
        using var security = LocalSecurity.Create(root, DateTimeOffset.UtcNow);
        using var cluster = new LocalCluster(3, 1, root, "Information", "cpus:2;mem:1024;disk:1024;ports:[31000-31009]", security: security);
        try
        {
            cluster.Start();
            var leader = await cluster.Masters.WaitForLeaderAsync(Deadline);
            await cluster.WaitForAgentsAsync(Deadline, CancellationToken.None);

            // Plain HTTP to the HTTPS port gets no HTTP answer; HTTPS without the cluster's authority fails its check.
            using (var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(5) })
            {
                var answer = await TryGetStatusAsync(plain, $"http://{leader.HttpAddress}/health");
                Assert.True(answer is null or 400, $"plain HTTP to a TLS master answered {answer}");
                var untrusted = await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync($"https://{leader.HttpAddress}/health"));
                Assert.IsType<System.Security.Authentication.AuthenticationException>(untrusted.InnerException);
            }
            // With the authority: /health is open, the state needs the operator's credential.
            using (var trusted = new HttpClient(Https.Handler(security.Client, new SocketsHttpHandler())) { Timeout = TimeSpan.FromSeconds(5) })
            {
                var health = await trusted.GetFromJsonAsync(leader.Url("/health"), MasterJsonContext.Default.StatusDto);
                Assert.Equal("leader", health?.Role);
                Assert.Equal(401, await TryGetStatusAsync(trusted, leader.Url("/master/state")));
            }

            var masters = string.Join(',', cluster.MasterAddresses);
            var state = await CliRunner.RunAsync(Deadline, ["state", "--masters", masters, .. security.OperatorArgs()]);
            Assert.True(state.Exit == 0, $"state with the authority and the operator's credential: exit {state.Exit}\n{state.Err}");
            Assert.Contains("127.0.0.1", state.Out);
            var noAuthority = await CliRunner.RunAsync(Deadline, "state", "--masters", masters, "--credential", security.OperatorCredentialFile);
            Assert.NotEqual(0, noAuthority.Exit);

            // A framework on the driver (mesos-ha run) over HTTPS, authenticated, its task run by the TLS agent.
            var run = await CliRunner.RunAsync(Deadline, "run", "--masters", masters, "--tls-ca", security.Certificates.AuthorityFile,
                "--credential", security.FrameworkCredentialFile, "--", "echo", "over-tls");
            output.WriteLine(run.Out + run.Err);
            Assert.True(run.Exit == 0, $"run over TLS: exit {run.Exit}\n{run.Out}\n{run.Err}");
            Assert.Contains("TASK_FINISHED", run.Out + run.Err);
            // No secret and no private key in any answer or log.
            var logs = string.Concat(cluster.Masters.Masters.Select(m => m.LogFile).Concat(cluster.Agents.Select(a => a.LogFile))
                .Where(File.Exists).Select(File.ReadAllText));
            foreach (var secret in new[] { security.Operator.Secret, security.Framework.Secret, security.Agent.Secret, "PRIVATE KEY" })
                Assert.DoesNotContain(secret, state.Out + state.Err + run.Out + run.Err + logs);
        }
        finally
        {
            DumpLogs(cluster.Masters.Masters.Select(m => m.LogFile).Concat(cluster.Agents.Select(a => a.LogFile)));
        }
    }

    /// <summary>
    /// Two masters of the cluster's authority and a third holding another authority's certificate (and trusting
    /// only that one): the two elect a leader and commit writes; the third never learns a leader nor applies
    /// anything, and the members log the refused handshakes.
    /// </summary>
    [Fact]
    public async Task AMasterWithAnotherAuthority_CannotJoinTheRaftGroup()
    {
        using var cluster = LocalSecurity.Create(Path.Combine(root, "cluster"), DateTimeOffset.UtcNow);
        using var rogue = LocalSecurity.Create(Path.Combine(root, "rogue"), DateTimeOffset.UtcNow);
        var masters = Enumerable.Range(1, 3).Select(i => new MasterProcess(i, EndPoints.FreePort(), EndPoints.FreePort(),
            Path.Combine(root, $"master-{i}"), Path.Combine(root, $"master-{i}.log"), security: i == 3 ? rogue : cluster)).ToArray();
        using var group = new MasterGroup(root, masters, ["--log-level", "Information"]);
        try
        {
            group.StartAll();
            var (good, outsider) = (masters[..2], masters[2]);
            MasterProcess? leader = null;
            var seen = "";
            await Poll.UntilAsync("the cluster's two masters agree on a leader", async () =>
            {
                var statuses = await Task.WhenAll(good.Select(m => m.TryStatusAsync()));
                seen = string.Join("; ", statuses.Select(s => $"{s?.Role} leader {s?.LeaderRaft}"));
                leader = statuses.Count(s => s?.Role == "leader") == 1 && statuses.All(s => s?.LeaderRaft is not null && s.LeaderRaft == statuses.Single(x => x?.Role == "leader")!.Raft)
                    ? good[Array.FindIndex(statuses, s => s?.Role == "leader")] : null;
                return leader is not null;
            }, Deadline, () => seen);
            Assert.Equal(200, await MasterGroup.TryWriteWeightAsync(leader!, "tls-role", 2.5, TimeSpan.FromSeconds(10)));
            var index = (await leader!.TryStatusAsync())!.AppliedIndex;
            await Poll.UntilAsync("the other good master applies the write", async () =>
                (await good.Single(m => m != leader).TryStatusAsync())?.AppliedIndex >= index, Deadline);

            var status = await outsider.TryStatusAsync();
            Assert.NotNull(status); // it runs and answers its own authority's clients
            Assert.True(status!.Role != "leader" && status.LeaderRaft is null && status.AppliedIndex < index,
                $"the outsider joined: role {status.Role}, leader {status.LeaderRaft}, applied {status.AppliedIndex} (the group's {index})");
            await Poll.UntilAsync("a member logs the refused handshake", () => Task.FromResult(good.Any(m =>
                File.Exists(m.LogFile) && File.ReadAllText(m.LogFile).Contains("TLS handshake(s) on the Raft transport", StringComparison.Ordinal))), Deadline);
        }
        finally
        {
            DumpLogs(masters.Select(m => m.LogFile));
        }
    }

    /// <summary>A master with <c>--tls-require-client-cert</c>: a client without a certificate is refused at the handshake; with one of the cluster's, served; an agent presents its own.</summary>
    [Fact]
    public async Task AMasterRequiringClientCertificates_RefusesClientsWithoutOne()
    {
        using var security = LocalSecurity.Create(root, DateTimeOffset.UtcNow);
        using var cluster = new LocalCluster(1, 1, root, "Information", "cpus:1;mem:256;disk:256", security: security);
        var master = cluster.Masters.Masters[0];
        try
        {
            // The group's extra arguments are the log level's; the master's own flags gain the requirement.
            master.Start([master.RaftAddress], ["--tls-require-client-cert"]);
            foreach (var agent in cluster.Agents) agent.Start();
            await Poll.UntilAsync("the master answers a client with the operator's certificate", async () =>
                (await master.TryStatusAsync())?.Role == "leader", Deadline);
            await cluster.WaitForAgentsAsync(Deadline, CancellationToken.None);

            using var anonymous = TlsIdentity.Load(new TlsFiles(null, null, security.Certificates.AuthorityFile), DateTimeOffset.UtcNow);
            using var noCertificate = new HttpClient(Https.Handler(anonymous, new SocketsHttpHandler())) { Timeout = TimeSpan.FromSeconds(5) };
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => noCertificate.GetAsync(master.Url("/health")));
        }
        finally
        {
            DumpLogs(cluster.Masters.Masters.Select(m => m.LogFile).Concat(cluster.Agents.Select(a => a.LogFile)));
        }
    }

    [Fact]
    public async Task TlsInit_WritesTheAuthorityAndCertificates_AndBadTlsFlagsAreOneLine()
    {
        var dir = Path.Combine(root, "tls");
        var init = await CliRunner.RunAsync(Deadline, "tls", "init", "--dir", dir, "--masters", "10.0.0.1,10.0.0.2", "--agents", "127.0.0.1");
        Assert.True(init.Exit == 0, init.Err);
        foreach (var file in new[] { "ca.crt", "ca.key", "master-10.0.0.1.crt", "master-10.0.0.2.key", "agent-127.0.0.1.crt", "client-operator.key" })
            Assert.True(File.Exists(Path.Combine(dir, file)), $"{file} missing; wrote:\n{init.Out}");
        var again = await CliRunner.RunAsync(Deadline, "tls", "init", "--dir", dir, "--agents", "10.0.0.9");
        Assert.True(again.Exit == 0, again.Err);
        Assert.DoesNotContain("ca.crt", again.Out.Split('\n')[0]);

        var data = Path.Combine(root, "data");
        string[] master = ["master", "--id", "1", "--raft", "127.0.0.1:1", "--peers", "127.0.0.1:1", "--http", "127.0.0.1:2", "--data-dir", data];
        var (cert, key, ca) = (Path.Combine(dir, "master-10.0.0.1.crt"), Path.Combine(dir, "master-10.0.0.1.key"), Path.Combine(dir, "ca.crt"));
        (string[] Args, string Expected)[] cases =
        [
            ([.. master, "--tls-cert", cert, "--tls-key", key], "needs --tls-cert, --tls-key and --tls-ca"),
            ([.. master, "--tls-cert", cert, "--tls-key", Path.Combine(dir, "master-10.0.0.2.key"), "--tls-ca", ca], "the key does not match the certificate"),
            ([.. master, "--tls-cert", cert, "--tls-key", key, "--tls-ca", "/no/such/ca.crt"], "--tls-ca /no/such/ca.crt: no such file"),
            (["agent", "--masters", "127.0.0.1:1", "--work-dir", data, "--tls-ca", ca], "an agent on TLS needs --tls-cert and --tls-key"),
            (["state", "--masters", "127.0.0.1:1", "--tls-ca", cert + ".none"], $"--tls-ca {cert}.none: no such file"),
        ];
        foreach (var (args, expected) in cases)
        {
            var (exit, stdout, stderr) = await CliRunner.RunAsync(Deadline, args);
            var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(exit == 2 && lines.Length == 1 && lines[0].Contains(expected, StringComparison.Ordinal),
                $"{string.Join(' ', args)}: exit {exit}, stderr:\n{stderr}");
            Assert.DoesNotContain("   at ", stderr + stdout);
        }
    }

    private static async Task<int?> TryGetStatusAsync(HttpClient http, string url)
    {
        try
        {
            using var response = await http.GetAsync(url);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private void DumpLogs(IEnumerable<string> files)
    {
        foreach (var file in files.Where(File.Exists))
        {
            var lines = File.ReadAllLines(file);
            output.WriteLine($"--- {Path.GetFileName(file)} ({lines.Length} lines, last 30)");
            foreach (var line in lines.TakeLast(30)) output.WriteLine(line.Length > 400 ? line[..400] + " ..." : line);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
