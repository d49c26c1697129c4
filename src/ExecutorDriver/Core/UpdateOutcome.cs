using Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.ExecutorDriver.Core;

/// <summary>What became of a status update: the call to post now (null: none), and callbacks (an error when refused).</summary>
internal sealed record UpdateOutcome(ExecutorCall? Post, IReadOnlyList<ExecutorCallback> Callbacks)
{
    public static UpdateOutcome Refused(params ExecutorCallback[] callbacks) => new(null, callbacks);
}
