using Microsoft.Extensions.Logging;

namespace Mesos.HA.Replication;

/// <summary>
/// Hands DotNext loggers that write where the application's do and also show each entry to the <see cref="WalFaultDetector"/>.
/// Failed TLS handshakes on the Raft port, which DotNext logs as errors with a stack trace each, become
/// one line: a peer that gave up mid-handshake (its connect timeout) at Debug, a refused certificate at
/// Warning at most once per <see cref="RefusalReportInterval"/> with the count since the last line.
/// </summary>
internal sealed partial class ObservedLoggerFactory(ILoggerFactory inner, WalFaultDetector detector) : ILoggerFactory
{
    public static readonly TimeSpan RefusalReportInterval = TimeSpan.FromSeconds(30);

    private readonly HandshakeFailures handshakes = new(inner.CreateLogger("Mesos.HA.Replication.Tls"));

    public ILogger CreateLogger(string categoryName) => new Tee(inner.CreateLogger(categoryName), detector, handshakes);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() { }

    private sealed class Tee(ILogger inner, WalFaultDetector detector, HandshakeFailures handshakes) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning || inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            detector.Observe(exception);
            if (exception is not null && HandshakeFailures.Is(exception, formatter(state, exception)) is { } peer)
            {
                handshakes.Report(peer, exception);
                return;
            }
            if (inner.IsEnabled(logLevel)) inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }

    private sealed partial class HandshakeFailures(ILogger logger)
    {
        private readonly Lock gate = new();
        private long lastReport = long.MinValue;
        private int refusedSinceReport;

        /// <summary>The peer of a failed TLS handshake DotNext reports ("TLS handshake with PEER failed"), or null for anything else.</summary>
        public static string? Is(Exception exception, string message)
        {
            const string prefix = "TLS handshake with ";
            if (!message.StartsWith(prefix, StringComparison.Ordinal) || exception is not (IOException or System.Security.Authentication.AuthenticationException))
                return null;
            var end = message.IndexOf(' ', prefix.Length);
            return end > prefix.Length ? message[prefix.Length..end] : "?";
        }

        public void Report(string peer, Exception exception)
        {
            if (exception is not System.Security.Authentication.AuthenticationException)
            {
                LogAbandoned(logger, peer, exception.Message);
                return;
            }
            int refused;
            lock (gate)
            {
                refusedSinceReport++;
                var now = Environment.TickCount64;
                if (lastReport != long.MinValue && now - lastReport < (long)RefusalReportInterval.TotalMilliseconds) return;
                lastReport = now;
                refused = refusedSinceReport;
                refusedSinceReport = 0;
            }
            LogRefused(logger, refused, peer, exception.Message);
        }

        [LoggerMessage(Level = LogLevel.Debug, Message = "TLS handshake with {Peer} on the Raft port abandoned: {Reason}")]
        private static partial void LogAbandoned(ILogger logger, string peer, string reason);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Count} TLS handshake(s) on the Raft transport (a peer without a certificate of the cluster's authority?); last from {Peer}: {Reason}")]
        private static partial void LogRefused(ILogger logger, int count, string peer, string reason);
    }
}
