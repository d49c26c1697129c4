using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Mesos.HA.Checkers;
using Mesos.HA.Cli.Local;
using Mesos.HA.Master;
using Mesos.HA.Protocol;

namespace Mesos.HA.Chaos.Tests;

/// <summary>
/// The registry workload as Jepsen would run it: several concurrent clients on a few keys (role
/// weights), every write a value never written before, reads through the leader's linearizable path
/// and through a master's own copy (<c>?local=true</c>, judged by its weaker promise). Clients follow
/// the 307 a follower answers. A write answered anything but 200 after it was sent (307, 503, 500, a
/// timeout, a reset connection) is recorded with an unknown outcome: the master may have appended it
/// before it lost leadership. Left out: a write that never reached a master (connection refused), and
/// one a master refused saying it wrote nothing (<c>Mesos-HA-Not-Written: true</c>: it did not lead
/// when asked), which certainly did not happen. Bounded: stops when told to, or after <see cref="MaxOperationsPerClient"/> operations per client.
/// </summary>
internal sealed class RegistryWorkload(MasterGroup group, RegisterHistory history, Stopwatch clock, int seed,
    int clients = 4, int keys = 5)
{
    public const int MaxOperationsPerClient = 50_000;
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(1);
    private long nextValue = 1; // 1 is the default weight (writing it deletes the key): values start at 2
    private long completedOperations;
    private volatile TaskCompletionSource? paused;
    private int active;

    /// <summary>Operations that completed with a definite answer (acknowledged writes and successful reads).</summary>
    public long CompletedOperations => Interlocked.Read(ref completedOperations);

    /// <summary>
    /// Holds every client before its next operation and waits (bounded) for those in flight to end, so
    /// the masters can be compared at rest. Operations already running are bounded by their timeout.
    /// </summary>
    public async Task PauseAsync()
    {
        paused ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await Poll.TryUntilAsync(() => Volatile.Read(ref active) <= 0, OperationTimeout * 5, TimeSpan.FromMilliseconds(5));
    }

    public void Resume() => Interlocked.Exchange(ref paused, null)?.TrySetResult();

    /// <summary>Runs the clients until <paramref name="token"/> is cancelled; ends quietly then.</summary>
    public Task RunAsync(CancellationToken token) =>
        Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            try
            {
                await ClientAsync(new Random(seed * 31 + c), token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Stopped mid-operation: that operation stays as recorded (a write sent is an unknown outcome).
            }
        }, CancellationToken.None)));

    private async Task ClientAsync(Random random, CancellationToken token)
    {
        var target = AnyMaster(random);
        for (var n = 0; n < MaxOperationsPerClient && !token.IsCancellationRequested; n++)
        {
            if (paused is { } gate)
            {
                await gate.Task.WaitAsync(token);
                continue;
            }
            Interlocked.Increment(ref active);
            MasterProcess? next;
            try
            {
                if (paused is not null) continue; // paused between the check and the count: do not start
                var key = $"chaos/k{random.Next(keys)}";
                next = random.Next(10) switch
                {
                    < 5 => (await WriteAsync(target, key, token)).Next,
                    < 8 => (await ReadAsync(target, key, token)).Next,
                    _ => await ReadLocalAsync(AnyMaster(random), key, token),
                };
            }
            finally
            {
                Interlocked.Decrement(ref active);
            }
            if (next is null)
            {
                // No answer worth following: try another master after a short pause.
                target = AnyMaster(random);
                await Task.Delay(5, CancellationToken.None);
            }
            else
            {
                target = next;
            }
        }
    }

    /// <summary>
    /// A master to try: one of those running (a membership run ends up with dozens of removed, stopped
    /// masters and three running ones), or any when none runs.
    /// </summary>
    private MasterProcess AnyMaster(Random random)
    {
        var all = group.Masters;
        var running = all.Where(m => m.IsRunning).ToArray();
        return running.Length > 0 ? running[random.Next(running.Length)] : all[random.Next(all.Count)];
    }

    /// <summary>
    /// One write of a fresh value to <paramref name="key"/> through <paramref name="master"/>, recorded
    /// as the clients' are (a scripted fault's own operation; use keys the clients do not touch). Returns
    /// whether it was acknowledged, and the master to use next: the same one, the leader it redirected
    /// to, or null to pick another.
    /// </summary>
    public async Task<(bool Acknowledged, MasterProcess? Next)> WriteAsync(MasterProcess master, string key, CancellationToken token)
    {
        if (!master.IsRunning) return (false, null);
        var value = (double)Interlocked.Increment(ref nextValue);
        var invoked = clock.ElapsedTicks;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
        cts.CancelAfter(OperationTimeout);
        try
        {
            using var response = await master.Http.PutAsJsonAsync(master.Url("/master/weights"),
                new[] { new WeightDto(key, value) }, MasterJsonContext.Default.WeightDtoArray, cts.Token);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                history.Write(key, value, invoked, clock.ElapsedTicks);
                Interlocked.Increment(ref completedOperations);
                return (true, master);
            }
            // A master that did not lead says when it wrote nothing: that write did not happen (not an unknown outcome).
            if (!response.Headers.TryGetValues(MasterHost.NotWrittenHeader, out var notWritten) || !notWritten.Contains("true"))
                history.Write(key, value, invoked, completed: null);
            return (false, RedirectTarget(response));
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            return (false, null); // never reached a master
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            if (token.IsCancellationRequested && !cts.IsCancellationRequested) throw;
            history.Write(key, value, invoked, completed: null); // sent, no answer: unknown
            return (false, null);
        }
    }

    /// <summary>
    /// One linearizable read of <paramref name="key"/> through <paramref name="master"/>, recorded when
    /// answered. Returns whether it was, and the master to use next (as <see cref="WriteAsync"/>).
    /// </summary>
    public async Task<(bool Read, MasterProcess? Next)> ReadAsync(MasterProcess master, string key, CancellationToken token)
    {
        if (!master.IsRunning) return (false, null);
        var invoked = clock.ElapsedTicks;
        var (status, weights, response) = await GetAsync(master, "/master/weights", token);
        using (response)
        {
            if (status != HttpStatusCode.OK || weights is null) return (false, response is null ? null : RedirectTarget(response));
            history.Read(key, weights.FirstOrDefault(w => w.Role == key)?.Weight, invoked, clock.ElapsedTicks);
            Interlocked.Increment(ref completedOperations);
            return (true, master);
        }
    }

    private async Task<MasterProcess?> ReadLocalAsync(MasterProcess master, string key, CancellationToken token)
    {
        if (!master.IsRunning || master.Pid is not { } pid) return null;
        var invoked = clock.ElapsedTicks;
        var (status, weights, response) = await GetAsync(master, "/master/weights?local=true", token);
        response?.Dispose();
        if (status == HttpStatusCode.OK && weights is not null)
        {
            history.LocalRead($"m{master.Id}/pid{pid}", key, weights.FirstOrDefault(w => w.Role == key)?.Weight, invoked, clock.ElapsedTicks);
            Interlocked.Increment(ref completedOperations);
        }
        return null; // local reads do not move the client's leader guess
    }

    private static async Task<(HttpStatusCode? Status, WeightDto[]? Weights, HttpResponseMessage? Response)> GetAsync(
        MasterProcess master, string path, CancellationToken token)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
        cts.CancelAfter(OperationTimeout);
        try
        {
            var response = await master.Http.GetAsync(master.Url(path), cts.Token);
            if (response.StatusCode != HttpStatusCode.OK) return (response.StatusCode, null, response);
            var weights = await response.Content.ReadFromJsonAsync(MasterJsonContext.Default.WeightDtoArray, cts.Token);
            return (response.StatusCode, weights, response);
        }
        catch (Exception e) when ((e is HttpRequestException or OperationCanceledException) && !token.IsCancellationRequested)
        {
            return (null, null, null);
        }
    }

    /// <summary>The master a 307 names (its Location is <c>//host:port/path</c>), or null.</summary>
    private MasterProcess? RedirectTarget(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.TemporaryRedirect || response.Headers.Location is not { } location) return null;
        var text = location.OriginalString.TrimStart('/');
        var authority = text.Split('/')[0];
        return group.Masters.FirstOrDefault(m => m.HttpAddress == authority);
    }
}
