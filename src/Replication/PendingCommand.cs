using Mesos.HA.Replication.Registry;

namespace Mesos.HA.Replication;

/// <summary>
/// One proposed command waiting for its committed result. The request id guards against a
/// result being handed to the wrong proposer if a newer leader overwrote the entry.
/// </summary>
internal sealed class PendingCommand(Guid requestId, byte[] encoded)
{
    private readonly TaskCompletionSource<CommandResult> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Guid RequestId { get; } = requestId;

    /// <summary>The command's envelope, encoded and validated.</summary>
    public byte[] Encoded { get; } = encoded;

    public Task<CommandResult> Result => completion.Task;

    public void Complete(CommandResult result) => completion.TrySetResult(result);

    public void Fail(Exception error) => completion.TrySetException(error);
}

/// <summary>
/// Rides along a replicated log entry as its DotNext context, so the apply loop on the proposing
/// master can hand each command's result back to its proposer. Position i is command i of the entry.
/// </summary>
internal sealed class PendingBatch(PendingCommand[] commands)
{
    public PendingCommand[] Commands { get; } = commands;
}
