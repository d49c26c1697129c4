namespace Mesos.HA.Replication.Registry;

/// <summary>How applying a command went. Every replica computes the same result for the same entry.</summary>
public enum CommandStatus
{
    /// <summary>The registry changed.</summary>
    Applied = 0,
    /// <summary>The command was valid but the registry already said so (a retry, for example).</summary>
    Unchanged = 1,
    /// <summary>The command does not fit the registry (unknown id, already exists, limit reached); nothing changed.</summary>
    Rejected = 2,
}

/// <summary>The committed outcome of one registry command.</summary>
public sealed record CommandResult(CommandStatus Status, string Message, long Index = 0)
{
    public static CommandResult Applied(string message = "applied") => new(CommandStatus.Applied, message);
    public static CommandResult Unchanged(string message) => new(CommandStatus.Unchanged, message);
    public static CommandResult Rejected(string message) => new(CommandStatus.Rejected, message);

    public bool Succeeded => Status != CommandStatus.Rejected;
}
