using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;

namespace Mesos.HA.Cli.Bench;

/// <summary>
/// An agent inside the bench process that speaks the real agent protocol to the master but runs
/// nothing: every task it is given finishes at once (one TASK_FINISHED update). It answers pings,
/// so the master keeps it; it does not retry (a bench agent that loses its master fails the run).
/// </summary>
internal sealed class SimulatedAgent(string name, string resources)
{
    private readonly TaskCompletionSource registered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Registered => registered.Task;

    public long Launched;

    /// <param name="credential">the agents' principal, for masters that authenticate agents.</param>
    /// <param name="scheme">https for masters on TLS (<paramref name="http"/> configured for them).</param>
    public async Task RunAsync(HttpMessageInvoker http, string master, CancellationToken token,
        Protocol.Security.Credential? credential = null, string scheme = "http")
    {
        var stream = await AgentChannelClient.OpenAsync(http, master, token, credential, scheme);
        await using var channel = new FrameChannel(stream, TimeProvider.System);
        channel.TrySend(0, new RegisterAgent(name, resources, new Dictionary<string, string>(), 0));
        try
        {
            while (!token.IsCancellationRequested)
            {
                var read = await channel.ReadAsync(token);
                switch (read)
                {
                    case FrameRead.Ok { Frame.Message: AgentRegistered }:
                        registered.TrySetResult();
                        break;
                    case FrameRead.Ok { Frame.Message: Ping ping }:
                        channel.TrySend(0, new Pong(ping.Sequence));
                        break;
                    case FrameRead.Ok { Frame.Message: RunTask run }:
                        Interlocked.Increment(ref Launched);
                        channel.TrySend(0, new StatusUpdate(run.Framework, run.Task, TaskState.Finished, Guid.NewGuid(), "", "",
                            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
                        break;
                    case FrameRead.Ok:
                        break; // acknowledgements and pongs: nothing to do
                    default:
                        registered.TrySetException(new InvalidOperationException($"agent {name}: the master closed the channel ({read.GetType().Name})"));
                        return;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested) { }
    }
}
