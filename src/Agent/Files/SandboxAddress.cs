namespace Mesos.HA.Agent.Files;

/// <summary>
/// A virtual path taken apart: which run's sandbox (<see cref="Run"/> null: the executor's latest run)
/// and the path segments below it (never <c>..</c>, <c>.</c> or empty). <see cref="Virtual"/> is the
/// path normalised (one slash between segments, none at the end): listings name entries below it.
/// </summary>
public sealed record SandboxAddress(string Framework, string Executor, string? Run, IReadOnlyList<string> Below, string Virtual);
