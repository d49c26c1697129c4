using Mesos.HA.Agent.Core;

namespace Mesos.HA.Agent.Executors;

/// <summary>Who a verified executor token speaks for: one executor of one framework, in one run.</summary>
public readonly record struct ExecutorTokenClaims(ExecutorKey Executor, string RunId);
