using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Cli;

internal static class Logging
{
    /// <summary>One line per entry on stderr; our own categories at <paramref name="level"/>, libraries at Warning and above unless Debug or Trace is asked for.</summary>
    public static void Configure(ILoggingBuilder logging, LogLevel level)
    {
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        logging.AddFilter((category, l) =>
            category?.StartsWith("Mesos.HA", StringComparison.Ordinal) == true || level <= LogLevel.Debug
                ? l >= level
                : l >= LogLevel.Warning && l >= level);
        logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o =>
            o.LogToStandardErrorThreshold = LogLevel.Trace);
    }
}
