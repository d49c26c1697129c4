using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Cli;

internal static class Logging
{
    /// <summary>
    /// One line per entry on stderr; our own categories at <paramref name="level"/>, other libraries at
    /// Warning and above, DotNext at Error and above (it warns with a stack trace on every heartbeat
    /// to an unreachable member, 60 times a second) unless Debug or Trace is asked for. The
    /// write-ahead-log fault detector sees DotNext's warnings whatever is printed.
    /// </summary>
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
                : category?.StartsWith("DotNext", StringComparison.Ordinal) == true
                    ? l >= LogLevel.Error && l >= level
                    : l >= LogLevel.Warning && l >= level);
        logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o =>
            o.LogToStandardErrorThreshold = LogLevel.Trace);
    }
}
