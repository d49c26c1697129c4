using Mesos.HA.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) =>
{
    try { cancel.Cancel(); } catch (ObjectDisposedException) { }
};

try
{
    return await CliCommands.InvokeAsync(CliCommands.Root(cancel.Token), args);
}
catch (UsageException e)
{
    Console.Error.WriteLine($"mesos-ha: {e.Message}");
    return CliCommands.BadUsage;
}
catch (Mesos.HA.Protocol.StartupException e)
{
    Console.Error.WriteLine($"mesos-ha: {e.Message}");
    return CliCommands.BadUsage;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    return 130;
}
