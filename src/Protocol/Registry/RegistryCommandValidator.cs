namespace Mesos.HA.Protocol.Registry;

/// <summary>
/// Shape checks that need no registry state: ids, names, bounds. Checks that depend on the
/// registry (does the agent exist?) happen when the command is applied.
/// </summary>
public static class RegistryCommandValidator
{
    public const int MaxIdLength = 256;
    public const int MaxTextLength = 8 * 1024;
    public const int MaxAttributes = 64;
    public const int MaxRoles = 64;
    public const long MaxFailoverTimeoutMs = 10L * 365 * 24 * 3600 * 1000;

    /// <summary>Returns null when the command is well formed, otherwise what is wrong with it.</summary>
    public static string? Validate(RegistryCommand? command) => command switch
    {
        null => "command is missing",
        AdmitAgent c => CheckTime(c.AtMs) ?? CheckAgentInfo(c.Info),
        ReadmitAgent c => CheckTime(c.AtMs) ?? CheckAgentInfo(c.Info),
        MarkAgentUnreachable c => CheckTime(c.AtMs) ?? CheckId("agent id", c.AgentId.Value),
        MarkAgentGone c => CheckTime(c.AtMs) ?? CheckId("agent id", c.AgentId.Value),
        RemoveAgent c => CheckId("agent id", c.AgentId.Value),
        AddFramework c => CheckTime(c.AtMs) ?? CheckId("framework id", c.Id.Value)
            ?? CheckFrameworkInfo(c.Info) ?? CheckFailoverTimeout(c.FailoverTimeoutMs),
        UpdateFramework c => CheckTime(c.AtMs) ?? CheckId("framework id", c.Id.Value)
            ?? (c.Info is null ? null : CheckFrameworkInfo(c.Info))
            ?? (c.FailoverTimeoutMs is { } t ? CheckFailoverTimeout(t) : null)
            ?? (Enum.IsDefined(c.Connection) ? null : $"unknown connection change {(int)c.Connection}"),
        RemoveFramework c => CheckId("framework id", c.Id.Value),
        SetWeights c => CheckWeights(c.Weights),
        SetQuota c => CheckQuota(c.Quota),
        DeactivateAgent c => CheckId("agent id", c.AgentId.Value),
        DrainAgent c => CheckId("agent id", c.AgentId.Value) ?? (c.MaxGraceMs < 0 ? "max_grace_period is negative" : null),
        ReactivateAgent c => CheckId("agent id", c.AgentId.Value),
        MarkAgentDrained c => CheckId("agent id", c.AgentId.Value),
        UpdateMaintenanceSchedule c => CheckSchedule(c.Windows),
        StartMaintenance c => CheckMachines(c.Machines),
        StopMaintenance c => CheckMachines(c.Machines),
        SetInverseOfferStatus c => CheckTime(c.AtMs) ?? CheckMachine(c.Machine) ?? CheckId("framework id", c.Framework.Value)
            ?? (Enum.IsDefined(c.Answer) ? null : $"unknown inverse offer status {(int)c.Answer}"),
        _ => $"unknown command type {command.GetType().Name}",
    };

    /// <summary>Mesos role names: non-empty, not "." or "..", no leading '-', no whitespace, '/' only between path parts.</summary>
    public static string? CheckRole(string? role)
    {
        if (string.IsNullOrEmpty(role)) return "role is empty";
        if (role.Length > MaxIdLength) return $"role is longer than {MaxIdLength} characters";
        if (role == "*") return null;
        foreach (var part in role.Split('/'))
        {
            if (part.Length == 0) return $"role '{role}' has an empty path part";
            if (part is "." or "..") return $"role '{role}' may not contain '.' or '..' parts";
            if (part[0] == '-') return $"role '{role}' may not start a part with '-'";
            foreach (var ch in part)
                if (char.IsWhiteSpace(ch) || char.IsControl(ch) || ch == '*')
                    return $"role '{role}' contains a forbidden character";
        }
        return null;
    }

    private static string? CheckTime(long atMs) => atMs < 0 ? "timestamp is negative" : null;

    private static string? CheckId(string what, string? value)
    {
        if (string.IsNullOrEmpty(value)) return $"{what} is empty";
        if (value.Length > MaxIdLength) return $"{what} is longer than {MaxIdLength} characters";
        foreach (var ch in value)
            if (char.IsWhiteSpace(ch) || char.IsControl(ch)) return $"{what} '{value}' contains whitespace or control characters";
        return null;
    }

    private static string? CheckText(string what, string? value, bool required)
    {
        if (value is null) return required ? $"{what} is missing" : null;
        if (required && value.Length == 0) return $"{what} is empty";
        if (value.Length > MaxTextLength) return $"{what} is longer than {MaxTextLength} characters";
        foreach (var ch in value)
            if (char.IsControl(ch)) return $"{what} contains control characters";
        return null;
    }

    private static string? CheckResources(string what, string? text, bool required)
    {
        if (!required && string.IsNullOrEmpty(text)) return null;
        return Resources.ResourceText.TryParse(text, out _, out var error) ? null : $"{what}: {error}";
    }

    private static string? CheckAgentInfo(AgentInfo? info)
    {
        if (info is null) return "agent info is missing";
        var error = CheckId("agent id", info.Id.Value)
            ?? CheckText("hostname", info.Hostname, required: true)
            ?? CheckText("endpoint", info.Endpoint, required: true)
            ?? CheckResources("resources", info.Resources, required: true);
        if (error is not null) return error;
        if (info.Attributes is null) return "attributes are missing";
        if (info.Attributes.Count > MaxAttributes) return $"more than {MaxAttributes} attributes";
        foreach (var (key, value) in info.Attributes)
        {
            error = CheckId("attribute name", key) ?? CheckText($"attribute '{key}'", value, required: false);
            if (error is not null) return error;
        }
        return null;
    }

    private static string? CheckFrameworkInfo(FrameworkInfo? info)
    {
        if (info is null) return "framework info is missing";
        var error = CheckText("framework name", info.Name, required: true)
            ?? CheckText("framework user", info.User, required: false)
            ?? CheckText("principal", info.Principal, required: false)
            ?? CheckText("framework hostname", info.Hostname, required: false)
            ?? CheckText("webui url", info.WebuiUrl, required: false);
        if (error is not null) return error;
        if (info.Roles is null || info.Roles.Count == 0) return "framework has no role";
        if (info.Roles.Count > MaxRoles) return $"framework has more than {MaxRoles} roles";
        if (info.Roles.Distinct(StringComparer.Ordinal).Count() != info.Roles.Count) return "framework roles repeat";
        foreach (var role in info.Roles)
            if (CheckRole(role) is { } roleError) return roleError;
        if (info.Capabilities is null) return "capabilities are missing";
        foreach (var capability in info.Capabilities)
            if (CheckId("capability", capability) is { } capabilityError) return capabilityError;
        return null;
    }

    private static string? CheckFailoverTimeout(long ms) =>
        ms < 0 ? "failover timeout is negative"
        : ms > MaxFailoverTimeoutMs ? "failover timeout is longer than ten years"
        : null;

    private static string? CheckWeights(IReadOnlyList<RoleWeight>? weights)
    {
        if (weights is null || weights.Count == 0) return "no weights given";
        if (weights.Count > 1024) return "more than 1024 weights in one command";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var w in weights)
        {
            if (w is null) return "weight entry is missing";
            if (CheckRole(w.Role) is { } roleError) return roleError;
            if (w.Role == "*") return "the default role '*' has no weight";
            if (!double.IsFinite(w.Weight) || w.Weight <= 0) return $"weight of role '{w.Role}' must be a positive number";
            if (!seen.Add(w.Role)) return $"role '{w.Role}' appears twice";
        }
        return null;
    }

    private static string? CheckQuota(QuotaRecord? quota)
    {
        if (quota is null) return "quota is missing";
        if (CheckRole(quota.Role) is { } roleError) return roleError;
        if (quota.Role == "*") return "the default role '*' cannot have a quota";
        if (quota.Guarantees is null || quota.Limits is null) return "quota guarantees and limits must be given (empty for none)";
        return CheckResources("quota guarantees", quota.Guarantees, required: false)
            ?? CheckResources("quota limits", quota.Limits, required: false);
    }

    /// <summary>More machines than this in one schedule or call are refused.</summary>
    public const int MaxMachines = 1024;

    private static string? CheckSchedule(IReadOnlyList<MaintenanceWindow>? windows)
    {
        if (windows is null) return "the schedule is missing";
        var seen = new HashSet<MachineId>();
        foreach (var window in windows)
        {
            if (window?.Machines is null || window.Unavailability is null) return "a window needs machine_ids and unavailability";
            if (window.Machines.Count == 0) return "a window names no machine";
            if (window.Unavailability.StartNs < 0) return "a window's unavailability starts before 1970";
            if (window.Unavailability.DurationNs < 0) return "a window's unavailability has a negative duration";
            foreach (var machine in window.Machines)
            {
                if (CheckMachine(machine) is { } bad) return bad;
                if (!seen.Add(machine)) return $"machine {machine} appears in the schedule more than once";
            }
        }
        return seen.Count > MaxMachines ? $"the schedule names more than {MaxMachines} machines" : null;
    }

    private static string? CheckMachines(IReadOnlyList<MachineId>? machines)
    {
        if (machines is null || machines.Count == 0) return "no machines given";
        if (machines.Count > MaxMachines) return $"more than {MaxMachines} machines in one call";
        foreach (var machine in machines)
            if (CheckMachine(machine) is { } bad) return bad;
        return machines.Distinct().Count() == machines.Count ? null : "a machine is named twice";
    }

    /// <summary>A machine id names a hostname (lower case) or a valid IP address, or both.</summary>
    public static string? CheckMachine(MachineId? machine)
    {
        if (machine is null) return "machine id is missing";
        if (machine.Hostname is null || machine.Ip is null) return "machine id is missing a part";
        if (machine.Hostname.Length == 0 && machine.Ip.Length == 0) return "a machine id needs a hostname or an ip";
        if (machine.Hostname.Length > 0 && (CheckId("machine hostname", machine.Hostname) is { } bad)) return bad;
        if (machine.Hostname != machine.Hostname.ToLowerInvariant()) return $"machine hostname '{machine.Hostname}' is not in lower case";
        if (machine.Ip.Length > 0 && !IsAddress(machine.Ip)) return $"machine ip '{machine.Ip}' is not an IP address";
        return null;
    }

    /// <summary>A dotted-quad IPv4 address or an IPv6 address (not the short IPv4 forms .NET also parses, such as <c>10.1.2</c>).</summary>
    private static bool IsAddress(string ip) =>
        System.Net.IPAddress.TryParse(ip, out var address)
        && (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? ip.Contains(':') : ip.Count(c => c == '.') == 3);
}
