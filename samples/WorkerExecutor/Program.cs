using Mesos.HA.ExecutorDriver;
using Mesos.HA.Samples.WorkerExecutor;

// Started by the agent (never by hand): the driver reads MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID,
// MESOS_AGENT_ENDPOINT and the rest of the executor environment.
ExecutorDriverSettings settings;
try
{
    settings = ExecutorDriverSettings.FromEnvironment();
}
catch (ExecutorSettingsException e)
{
    Console.Error.WriteLine($"worker-executor must be started by an agent: {e.Message}");
    return 2;
}
var executor = new WorkerExecutor(Console.Out);
using var driver = new MesosExecutorDriver(executor, settings);
var status = driver.Run();
Console.WriteLine($"Executor driver {status}");
return status == ExecutorDriverStatus.Stopped ? 0 : 1;
