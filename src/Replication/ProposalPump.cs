using System.Threading.Channels;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Replication;

/// <summary>
/// Group commit: proposals from concurrent callers are queued (bounded) and packed into one log
/// entry per replication, with a few replications in flight. One writer still gets a round of
/// its own; sixty-four share rounds and disk flushes instead of queueing a round each.
/// </summary>
internal sealed class ProposalPump : IAsyncDisposable
{
    private readonly Channel<PendingCommand> queue;
    private readonly Func<byte[], PendingBatch, CancellationToken, Task> replicate;
    private readonly SemaphoreSlim inFlight;
    private readonly int maxBatchCommands;
    private readonly CancellationTokenSource lifetime = new();
    private readonly Task pump;

    /// <param name="replicate">Replicates one entry and returns once it is committed and applied here; throws <see cref="NotLeaderException"/> when this master does not lead.</param>
    public ProposalPump(Func<byte[], PendingBatch, CancellationToken, Task> replicate, int queueCapacity, int maxInFlight,
        int maxBatchCommands)
    {
        this.replicate = replicate;
        this.maxBatchCommands = maxBatchCommands;
        inFlight = new SemaphoreSlim(maxInFlight, maxInFlight);
        queue = Channel.CreateBounded<PendingCommand>(new BoundedChannelOptions(queueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        pump = Task.Run(PumpAsync);
    }

    public ValueTask EnqueueAsync(PendingCommand command, CancellationToken token) => queue.Writer.WriteAsync(command, token);

    /// <summary>Proposals wait to be packed into an entry (one will be appended after this moment).</summary>
    public bool HasQueued => queue.Reader.Count > 0;

    private async Task PumpAsync()
    {
        var reader = queue.Reader;
        var token = lifetime.Token;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                await inFlight.WaitAsync(token).ConfigureAwait(false);
                var batch = new List<PendingCommand>();
                var bytes = 64L;
                while (batch.Count < maxBatchCommands && reader.TryPeek(out var next)
                       && bytes + next.Encoded.Length <= RegistryCommandCodec.MaxBatchBytes)
                {
                    reader.TryRead(out next);
                    batch.Add(next!);
                    bytes += next!.Encoded.Length;
                }
                if (batch.Count == 0)
                {
                    inFlight.Release();
                    continue;
                }
                _ = ReplicateAsync([.. batch], token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested) { }
        while (reader.TryRead(out var abandoned)) abandoned.Fail(new ObjectDisposedException(nameof(ReplicatedRegistry)));
    }

    private async Task ReplicateAsync(PendingCommand[] commands, CancellationToken token)
    {
        try
        {
            var payload = RegistryCommandCodec.EncodeBatch([.. commands.Select(c => c.Encoded)]);
            await replicate(payload, new PendingBatch(commands), token).ConfigureAwait(false);
            foreach (var command in commands)
                command.Fail(new InvalidOperationException("a committed entry was applied without its result; the registry lost the proposer's context"));
        }
        catch (Exception e)
        {
            foreach (var command in commands) command.Fail(e);
        }
        finally
        {
            inFlight.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await lifetime.CancelAsync().ConfigureAwait(false);
        await pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lifetime.Dispose();
    }
}
