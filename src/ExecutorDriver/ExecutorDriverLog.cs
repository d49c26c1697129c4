using Microsoft.Extensions.Logging;

namespace Mesos.HA.ExecutorDriver;

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Executor {ExecutorId} subscribed to the agent at {Agent}")]
    public static partial void Subscribed(ILogger logger, string executorId, string agent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Executor {ExecutorId}: subscription attempt {Attempt} failed ({Reason}); next in {Delay}")]
    public static partial void SubscribeFailed(ILogger logger, string executorId, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Executor {ExecutorId}: the agent's stream broke ({Reason})")]
    public static partial void StreamBroken(ILogger logger, string executorId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Executor {ExecutorId}: no subscription within the recovery timeout {RecoveryTimeout}; shutting down")]
    public static partial void RecoveryTimedOut(ILogger logger, string executorId, TimeSpan recoveryTimeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Executor {ExecutorId}: {Refusal}")]
    public static partial void CallRefused(ILogger logger, string executorId, string refusal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Executor {ExecutorId}: {CallType} could not reach the agent ({Reason}); the subscription is taken for broken")]
    public static partial void CallFailed(ILogger logger, string executorId, string callType, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Executor {ExecutorId}: a framework message was dropped while disconnected")]
    public static partial void MessageDropped(ILogger logger, string executorId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Executor {ExecutorId}: an error found the callback queue full and was not delivered: {Error}")]
    public static partial void ErrorNotDelivered(ILogger logger, string executorId, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Executor {ExecutorId}: the executor's {Callback} threw; aborting")]
    public static partial void CallbackFailed(ILogger logger, string executorId, string callback, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Executor {ExecutorId}: the driver ended ({Status})")]
    public static partial void Finished(ILogger logger, string executorId, ExecutorDriverStatus status);
}
