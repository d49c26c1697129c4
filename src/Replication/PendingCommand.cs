using Mesos.HA.Replication.Registry;

namespace Mesos.HA.Replication;

/// <summary>
/// Rides along a proposed log entry as its DotNext context so the apply loop can hand the
/// committed result back to the proposer. The request id guards against a context surviving on an
/// index that a newer leader overwrote with a different entry.
/// </summary>
internal sealed class PendingCommand(Guid requestId)
{
    private readonly TaskCompletionSource<CommandResult> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Guid RequestId { get; } = requestId;

    public Task<CommandResult> Result => completion.Task;

    public void Complete(CommandResult result) => completion.TrySetResult(result);
}
