using System.Text.Json;

namespace Mesos.HA.Protocol.Security;

/// <summary>A set of principals or objects in an ACL: listed values, anything (ANY), or nothing (NONE).</summary>
public sealed record AclEntity(AclEntityKind Kind, IReadOnlySet<string> Values)
{
    public static readonly AclEntity Any = new(AclEntityKind.Any, new HashSet<string>());

    /// <summary>Whether the rule applies to <paramref name="value"/> (null: an unauthenticated subject). NONE applies to everything, to deny it.</summary>
    public bool Matches(string? value) => Kind switch
    {
        AclEntityKind.Any or AclEntityKind.None => true,
        _ => value is not null && Values.Contains(value),
    };
}

public enum AclEntityKind
{
    Some,
    Any,
    None,
}

/// <summary>One rule of an action: these principals may (or, with NONE, may not) act on these objects.</summary>
public sealed record AclRule(AclEntity Principals, AclEntity Objects)
{
    public bool Allows => Principals.Kind != AclEntityKind.None && Objects.Kind != AclEntityKind.None;
}

/// <summary>An ACL document that cannot be used; the message names the action and rule.</summary>
public sealed class AclException(string message) : Exception(message);

/// <summary>
/// Mesos' ACLs (<c>--acls</c>): <c>{"permissive": true|false, "&lt;action&gt;": [{"principals": {...}, "&lt;object&gt;": {...}}]}</c>,
/// each entity <c>{"values": [...]}</c> or <c>{"type": "ANY"|"NONE"}</c>. For a request, the rules of its action are
/// tried in order; the first whose principals and objects both match decides (a NONE on either side denies),
/// and <see cref="Permissive"/> decides when none matches. Unknown actions are refused, so a typo cannot open a hole.
/// </summary>
public sealed class Acls
{
    /// <summary>Each action and the name of its object field, as Mesos' ACL messages name them.</summary>
    public static readonly IReadOnlyDictionary<string, string> Actions = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["register_frameworks"] = "roles",
        ["run_tasks"] = "users",
        ["teardown_frameworks"] = "framework_principals",
        ["view_frameworks"] = "users",
        ["view_tasks"] = "users",
        ["view_executors"] = "users",
        ["get_endpoints"] = "paths",
        ["update_weights"] = "roles",
        ["update_quotas"] = "roles",
        ["register_agents"] = "agents",
        ["update_maintenance_schedules"] = "machines",
        ["start_maintenances"] = "machines",
        ["stop_maintenances"] = "machines",
        ["drain_agents"] = "agents",
        ["mark_agents_gone"] = "agents",
        ["update_masters"] = "masters",
    };

    private readonly Dictionary<string, IReadOnlyList<AclRule>> rules;

    private Acls(bool permissive, Dictionary<string, IReadOnlyList<AclRule>> rules)
    {
        Permissive = permissive;
        this.rules = rules;
    }

    /// <summary>No ACLs: everything is allowed (Mesos without --acls).</summary>
    public static readonly Acls AllowAll = new(true, new Dictionary<string, IReadOnlyList<AclRule>>(StringComparer.Ordinal));

    public bool Permissive { get; }

    /// <summary>Whether <paramref name="principal"/> (null: unauthenticated) may do <paramref name="action"/> on <paramref name="target"/>.</summary>
    public bool Allows(string action, string? principal, string target)
    {
        if (!Actions.ContainsKey(action)) throw new ArgumentOutOfRangeException(nameof(action), action, "not an ACL action");
        if (rules.TryGetValue(action, out var list))
            foreach (var rule in list)
                if (rule.Principals.Matches(principal) && rule.Objects.Matches(target))
                    return rule.Allows;
        return Permissive;
    }

    /// <summary>Whether some principal may be refused <paramref name="action"/> on some object: false lets a caller skip checking each one.</summary>
    public bool Restricts(string action)
    {
        if (!Actions.ContainsKey(action)) throw new ArgumentOutOfRangeException(nameof(action), action, "not an ACL action");
        return !Permissive || (rules.TryGetValue(action, out var list) && list.Any(rule => !rule.Allows));
    }

    /// <summary>The ACLs of <paramref name="text"/>: the document itself, or (not starting with '{') the path of a file holding it.</summary>
    public static Acls Load(string text)
    {
        var trimmed = text.TrimStart();
        if (trimmed.StartsWith('{')) return Parse(text, "(inline)");
        try
        {
            return Parse(File.ReadAllText(text), text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AclException($"{text}: {e.Message}");
        }
    }

    public static Acls Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new AclException($"{source}: malformed JSON ({e.LineNumber + 1}:{e.BytePositionInLine + 1})");
        }
        if (JsonEscapes.HasLoneSurrogate(json, new JsonReaderOptions { MaxDepth = 16, CommentHandling = JsonCommentHandling.Skip }))
        {
            document.Dispose();
            throw new AclException($"{source}: {JsonEscapes.LoneSurrogateMessage}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new AclException($"{source}: ACLs are a JSON object");
            var permissive = true;
            var rules = new Dictionary<string, IReadOnlyList<AclRule>>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name == "permissive")
                {
                    permissive = property.Value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw new AclException($"{source}: 'permissive' is not a boolean"),
                    };
                    continue;
                }
                if (!Actions.TryGetValue(property.Name, out var objectField))
                    throw new AclException($"{source}: unknown action '{property.Name}' (known: permissive, {string.Join(", ", Actions.Keys)})");
                if (property.Value.ValueKind != JsonValueKind.Array) throw new AclException($"{source}: '{property.Name}' is not a list of rules");
                var list = new List<AclRule>();
                var i = 0;
                foreach (var rule in property.Value.EnumerateArray())
                {
                    var at = $"{source}: {property.Name}[{i++}]";
                    if (rule.ValueKind != JsonValueKind.Object) throw new AclException($"{at} is not an object");
                    foreach (var field in rule.EnumerateObject())
                        if (field.Name != "principals" && field.Name != objectField)
                            throw new AclException($"{at}: unknown field '{field.Name}' (expected 'principals' and '{objectField}')");
                    list.Add(new AclRule(Entity(rule, "principals", at), Entity(rule, objectField, at)));
                }
                rules[property.Name] = list;
            }
            return new Acls(permissive, rules);
        }
    }

    private static AclEntity Entity(JsonElement rule, string name, string at)
    {
        if (!rule.TryGetProperty(name, out var entity)) throw new AclException($"{at}: '{name}' is missing");
        if (entity.ValueKind != JsonValueKind.Object) throw new AclException($"{at}: '{name}' is not an object");
        var hasType = entity.TryGetProperty("type", out var type);
        var hasValues = entity.TryGetProperty("values", out var values);
        if (hasType == hasValues) throw new AclException($"{at}: '{name}' needs either 'values' or 'type'");
        if (hasType)
            return (type.ValueKind == JsonValueKind.String ? type.GetString() : null) switch
            {
                "ANY" => AclEntity.Any,
                "NONE" => new AclEntity(AclEntityKind.None, new HashSet<string>()),
                _ => throw new AclException($"{at}: '{name}.type' must be ANY or NONE"),
            };
        if (values.ValueKind != JsonValueKind.Array || values.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
            throw new AclException($"{at}: '{name}.values' is not a list of strings");
        return new AclEntity(AclEntityKind.Some, values.EnumerateArray().Select(v => v.GetString()!).ToHashSet(StringComparer.Ordinal));
    }
}
