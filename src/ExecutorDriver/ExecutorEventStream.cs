using Mesos.HA.Protocol.Http;
using Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.ExecutorDriver;

/// <summary>The events of one subscription, read one at a time by one reader; disposing it closes the connection.</summary>
internal sealed class ExecutorEventStream(HttpResponseMessage response, RecordIOReader records) : IDisposable
{
    /// <summary>The SUBSCRIBED event that opened the stream.</summary>
    public ExecutorEvent Subscribed { get; internal set; } = new();

    /// <summary>
    /// The next event, or null when the stream ended. A record that is not a JSON object throws
    /// <see cref="InvalidDataException"/> or <see cref="System.Text.Json.JsonException"/>: the stream is broken.
    /// </summary>
    public async Task<ExecutorEvent?> ReadAsync(CancellationToken token)
    {
        if (await records.ReadAsync(token).ConfigureAwait(false) is not { } record) return null;
        return TolerantJson.Read(record, ExecutorJsonContext.Default.ExecutorEvent)
               ?? throw new InvalidDataException("an executor event that is not a JSON object");
    }

    public void Dispose() => response.Dispose();
}
