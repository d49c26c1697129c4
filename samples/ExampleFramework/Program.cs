using Mesos.HA.Protocol.Resources;
using Mesos.HA.Samples.ExampleFramework;
using Mesos.HA.SchedulerDriver;

// dotnet run --project samples/ExampleFramework -- --masters 127.0.0.1:5050[,...] [--tasks 5] [--command "echo hello"] [--resources "cpus:0.1;mem:32"]
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal)) { Console.Error.WriteLine($"unexpected argument '{args[i]}'"); return 2; }
    options[args[i][2..]] = args[i + 1];
}
if (!options.TryGetValue("masters", out var masters))
{
    Console.Error.WriteLine("usage: example-framework --masters host:port[,host:port...] [--tasks N] [--command CMD] [--resources TEXT]");
    return 2;
}
var tasks = int.Parse(options.GetValueOrDefault("tasks", "5"), System.Globalization.CultureInfo.InvariantCulture);
var command = options.GetValueOrDefault("command", "echo hello from $MESOS_TASK_ID; sleep 1");
if (!ResourceText.TryParse(options.GetValueOrDefault("resources", "cpus:0.1;mem:32"), out var perTask, out var error))
{
    Console.Error.WriteLine($"--resources: {error}");
    return 2;
}

var scheduler = new ExampleScheduler(tasks, command, perTask, Console.Out);
await using var driver = new MesosSchedulerDriver(scheduler,
    new FrameworkInfo { Name = "Example Framework (C#)", FailoverTimeout = TimeSpan.FromMinutes(1) },
    masters.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
Console.CancelKeyPress += (_, e) => { e.Cancel = true; driver.Stop(); };
var status = await driver.RunAsync();
Console.WriteLine($"Driver {status}: {scheduler.Finished} of {tasks} tasks finished");
return status == DriverStatus.Stopped && scheduler.Finished == tasks ? 0 : 1;
