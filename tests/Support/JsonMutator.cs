using System.Text;
using System.Text.Json.Nodes;

namespace Mesos.HA.Tests.Support;

/// <summary>
/// Turns a valid JSON document into a nearly valid one, the shapes an outside fuzz sends: a field
/// dropped, a value retyped (an object where a string is expected, a list where an object is, a number
/// as a string, a huge number, null), deep nesting, a truncation or a few flipped bytes, or random bytes.
/// Deterministic for a given <see cref="Random"/>, so a seed replays a failure. Linked into the test
/// projects that have no reference to this one (one source, no dependencies but the BCL).
/// </summary>
public static class JsonMutator
{
    /// <summary>How many changes one mutation stacks at most.</summary>
    public const int MaxChanges = 3;

    /// <summary>One mutated version of <paramref name="valid"/> (UTF-8 bytes, not necessarily JSON).</summary>
    public static byte[] Mutate(string valid, Random random)
    {
        switch (random.Next(20))
        {
            case 0: return RandomBytes(random, random.Next(0, 200));
            case 1: return Truncated(Encoding.UTF8.GetBytes(valid), random);
            case 2: return Flipped(Encoding.UTF8.GetBytes(valid), random);
            case 3: return Encoding.UTF8.GetBytes(DeepNesting(random));
        }
        var root = JsonNode.Parse(valid)!;
        var changes = 1 + random.Next(MaxChanges);
        for (var i = 0; i < changes; i++) root = Change(root, random);
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    /// <summary>Every value of the document with its parent (null for the root), in document order.</summary>
    private static List<JsonNode?> Nodes(JsonNode root)
    {
        var all = new List<JsonNode?>();
        void Walk(JsonNode? node)
        {
            all.Add(node);
            if (node is JsonObject o) foreach (var p in o) Walk(p.Value);
            else if (node is JsonArray a) foreach (var e in a) Walk(e);
        }
        Walk(root);
        return all;
    }

    private static JsonNode Change(JsonNode root, Random random)
    {
        var nodes = Nodes(root);
        var target = nodes[random.Next(nodes.Count)];
        if (target is null || target.Parent is null)
        {
            // The root itself, or a null leaf that cannot be addressed: retype the whole document sometimes.
            return random.Next(4) == 0 ? Replacement(random, target, depth: 0) ?? JsonValue.Create(0) : root;
        }
        var parent = target.Parent;
        var replacement = random.Next(5) == 0 ? null : Replacement(random, target, depth: 0);
        if (parent is JsonObject o)
        {
            var name = target.GetPropertyName();
            if (random.Next(4) == 0) o.Remove(name);
            else o[name] = replacement;
        }
        else if (parent is JsonArray a)
        {
            var index = target.GetElementIndex();
            if (random.Next(4) == 0) a.RemoveAt(index);
            else a[index] = replacement;
        }
        return root;
    }

    /// <summary>A value of another kind than <paramref name="original"/>, or a twisted copy of it.</summary>
    private static JsonNode? Replacement(Random random, JsonNode? original, int depth) => random.Next(16) switch
    {
        0 => new JsonObject { ["value"] = "x" },
        1 => new JsonObject(),
        2 => new JsonArray(),
        3 => new JsonArray(JsonValue.Create("a"), new JsonObject { ["value"] = 1 }, null),
        4 => JsonValue.Create(original is JsonValue v ? v.ToJsonString() : "string"), // a number as a string, an object's text
        5 => JsonValue.Create(random.Next(3) switch { 0 => long.MaxValue, 1 => long.MinValue, _ => -1L }),
        6 => JsonNode.Parse("1e400"), // beyond double
        7 => JsonNode.Parse("123456789012345678901234567890"),
        8 => JsonValue.Create(double.MaxValue),
        9 => JsonValue.Create(random.Next(2) == 0),
        10 => JsonValue.Create(new string('x', random.Next(2) == 0 ? 70_000 : 3)),
        11 => JsonValue.Create(random.Next(3) switch { 0 => "NaN", 1 => "-Infinity", _ => "" }),
        12 => depth < 2 ? new JsonArray(Replacement(random, original, depth + 1)) : new JsonArray(),
        13 => JsonValue.Create("\u0000?/../../etc/passwd"),
        14 => JsonValue.Create(-0.5),
        _ => original is null ? null : JsonNode.Parse(original.ToJsonString()), // unchanged: another change may hit elsewhere
    };

    private static string DeepNesting(Random random)
    {
        var depth = random.Next(20, 2_000);
        var open = random.Next(2) == 0 ? "{\"a\":" : "[";
        var close = open == "[" ? "]" : "}";
        var text = new StringBuilder();
        for (var i = 0; i < depth; i++) text.Append(open);
        text.Append('1');
        for (var i = 0; i < depth; i++) text.Append(close);
        return text.ToString();
    }

    /// <summary>Random bytes.</summary>
    public static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Truncated(byte[] bytes, Random random) => bytes[..random.Next(bytes.Length + 1)];

    private static byte[] Flipped(byte[] bytes, Random random)
    {
        var copy = (byte[])bytes.Clone();
        for (var i = 0; i < 1 + random.Next(4) && copy.Length > 0; i++) copy[random.Next(copy.Length)] = (byte)random.Next(256);
        return copy;
    }
}
