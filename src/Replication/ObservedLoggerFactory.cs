using Microsoft.Extensions.Logging;

namespace Mesos.HA.Replication;

/// <summary>Hands DotNext loggers that write where the application's do and also show each entry to the <see cref="WalFaultDetector"/>.</summary>
internal sealed class ObservedLoggerFactory(ILoggerFactory inner, WalFaultDetector detector) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Tee(inner.CreateLogger(categoryName), detector);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() { }

    private sealed class Tee(ILogger inner, WalFaultDetector detector) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning || inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            detector.Observe(exception);
            if (inner.IsEnabled(logLevel)) inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
