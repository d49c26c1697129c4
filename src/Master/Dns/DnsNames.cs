using System.Text;

namespace Mesos.HA.Master.Dns;

/// <summary>
/// The names Mesos-DNS gives tasks and masters, so services written for it find each other here:
/// <c>&lt;task&gt;.&lt;framework&gt;.mesos</c>, <c>_&lt;task&gt;._tcp.&lt;framework&gt;.mesos</c>,
/// <c>leader.mesos</c>, <c>master.mesos</c>. Pure.
/// </summary>
public static class DnsNames
{
    /// <summary>The zone every answer comes from; anything else is refused (no recursion).</summary>
    public const string Domain = "mesos";

    public const int MaxLabelLength = 63;

    /// <summary>
    /// A task's or framework's name as one DNS label, as Mesos-DNS makes it: lower case, every
    /// character other than a-z, 0-9 and '-' becomes '-', runs of '-' collapse, no '-' at either end,
    /// at most 63 characters. Null when nothing is left (such a task gets no name).
    /// </summary>
    public static string? Label(string name)
    {
        var label = new StringBuilder(Math.Min(name.Length, MaxLabelLength));
        foreach (var c in name.ToLowerInvariant())
        {
            if (label.Length == MaxLabelLength) break;
            var keep = c is >= 'a' and <= 'z' or >= '0' and <= '9';
            if (keep) label.Append(c);
            else if (label.Length > 0 && label[^1] != '-') label.Append('-');
        }
        while (label.Length > 0 && label[^1] == '-') label.Length--;
        return label.Length == 0 ? null : label.ToString();
    }

    /// <summary>
    /// The name one task instance's SRV records point at (<c>&lt;task&gt;-&lt;id&gt;.&lt;framework&gt;.slave.mesos</c>):
    /// unique per task, so an SRV record's port always pairs with the agent that holds it, even
    /// when instances of one task name run on several agents.
    /// </summary>
    public static string InstanceLabel(string taskLabel, string taskId)
    {
        var id = Label(taskId) ?? "task";
        var room = MaxLabelLength - id.Length - 1;
        return room >= 1 ? $"{(taskLabel.Length > room ? taskLabel[..room].TrimEnd('-') : taskLabel)}-{id}" : id;
    }
}
