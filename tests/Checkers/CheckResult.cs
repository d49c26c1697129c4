namespace Mesos.HA.Checkers;

/// <summary>One invariant's verdict over a recorded history, with what broke it.</summary>
public sealed record CheckResult(string Invariant, bool Holds, string Details)
{
    public static CheckResult Pass(string invariant, string details = "") => new(invariant, true, details);
    public static CheckResult Fail(string invariant, string details) => new(invariant, false, details);
    public override string ToString() => $"{(Holds ? "ok  " : "FAIL")} {Invariant}{(Details.Length > 0 ? ": " + Details : "")}";
}
