using Mesos.HA.Fuzz;

// AFL++ entry point: `Mesos.HA.Fuzz <target>` reads one input per run from afl-fuzz (or, outside
// afl-fuzz, once from stdin, which replays a crash); `Mesos.HA.Fuzz seeds <dir>` writes the seed corpora.
if (args is ["seeds", var directory])
{
    Seeds.WriteAll(directory);
    return 0;
}
if (args.Length != 1 || !Targets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: Mesos.HA.Fuzz <target> | seeds <dir>; targets: {string.Join(", ", Targets.All.Keys)}");
    return 2;
}
// Out of process: a stack overflow or an abort in the parser is a crash afl-fuzz records, not a dead fork server.
SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    target(copy.ToArray());
});
return 0;
