using Mesos.HA.Samples.WorkerFramework;
using Mesos.HA.SchedulerDriver;

// dotnet run --project samples/WorkerFramework -- --masters 127.0.0.1:5050[,...] --executor "dotnet /path/to/worker-executor.dll" [--tasks 6] [--steps 3]
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal)) { Console.Error.WriteLine($"unexpected argument '{args[i]}'"); return 2; }
    options[args[i][2..]] = args[i + 1];
}
if (!options.TryGetValue("masters", out var masters) || !options.TryGetValue("executor", out var executorCommand))
{
    Console.Error.WriteLine("usage: worker-framework --masters host:port[,host:port...] --executor COMMAND [--tasks N] [--steps S]");
    return 2;
}
var tasks = int.Parse(options.GetValueOrDefault("tasks", "6"), System.Globalization.CultureInfo.InvariantCulture);
var steps = int.Parse(options.GetValueOrDefault("steps", "3"), System.Globalization.CultureInfo.InvariantCulture);

var scheduler = new WorkerScheduler(new WorkerPlan(tasks, steps, executorCommand), Console.Out);
await using var driver = new MesosSchedulerDriver(scheduler,
    new FrameworkInfo { Name = "Worker Framework (C#)", FailoverTimeout = TimeSpan.FromMinutes(1) },
    masters.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
Console.CancelKeyPress += (_, e) => { e.Cancel = true; driver.Stop(); };
var status = await driver.RunAsync();
Console.WriteLine($"Driver {status}: {scheduler.Finished} of {tasks} tasks finished");
return status == DriverStatus.Stopped && scheduler.Finished == tasks ? 0 : 1;
