using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;

namespace Mesos.HA.Protocol.Http.V1;

/// <summary>
/// Reads a document into its contract the way Mesos clients need: they differ in small ways, so
/// the reading is liberal, and every refusal is left to the caller's validation, which can name the
/// field. Guided by the contract's metadata, one pass copies the document keeping only what fits:
/// <list type="bullet">
/// <item>unknown fields, and fields that are null, are left out (absent);</item>
/// <item>a value of the wrong JSON kind (a string where an object is expected, say) is left out, or
/// becomes null inside a list, and its path is reported;</item>
/// <item>numbers may be strings; a number field holding something else reads as NaN (so "there but
/// unreadable" differs from "absent"), an integer field as absent.</item>
/// </list>
/// Then the source-generated serializer reads the copy, which cannot fail on a type.
/// </summary>
public static class TolerantJson
{
    /// <summary>Nesting deeper than this is malformed; no scheduler message comes close.</summary>
    public const int MaxDepth = 32;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Skip };

    /// <summary>
    /// The document as <typeparamref name="T"/>, or null when its root is not an object. Throws
    /// <see cref="JsonException"/> (the reader's message) when it is not well-formed JSON.
    /// <paramref name="wrongKinds"/> receives the paths (<c>accept.offer_ids[0]</c>) of values left out for their kind.
    /// </summary>
    public static T? Read<T>(ReadOnlySpan<byte> utf8, JsonTypeInfo<T> info, List<string>? wrongKinds = null) where T : class
    {
        // The reader checks a string's UTF-8 only when it is read, and then throws InvalidOperationException: check it all first.
        if (!Utf8.IsValid(utf8)) throw new JsonException("the document is not valid UTF-8");
        // So does reading an escaped lone surrogate ("\ud800"); this pass also throws the reader's own JsonException when the document is malformed.
        if (JsonEscapes.HasLoneSurrogate(utf8, ReaderOptions)) throw new JsonException(JsonEscapes.LoneSurrogateMessage);
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        if (!reader.Read()) throw new JsonException("The input does not contain any JSON tokens."); // the reader itself refuses a blank document first
        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, utf8.Length));
        var isObject = reader.TokenType == JsonTokenType.StartObject;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            if (isObject) CopyObject(ref reader, writer, info, "", wrongKinds);
            else reader.Skip();
        }
        if (reader.Read()) throw new JsonException("more than one JSON value"); // the reader itself refuses trailing data first
        return isObject ? JsonSerializer.Deserialize(buffer.WrittenSpan, info) : null;
    }

    private static void CopyObject(ref Utf8JsonReader reader, Utf8JsonWriter writer, JsonTypeInfo info, string path, List<string>? wrongKinds)
    {
        writer.WriteStartObject();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            var property = Find(info, name);
            if (property is null || reader.TokenType == JsonTokenType.Null)
            {
                reader.Skip();
                continue;
            }
            var at = path.Length == 0 ? name : $"{path}.{name}";
            if (!TryCopy(ref reader, writer, info.Options.GetTypeInfo(property.PropertyType), name, at, wrongKinds))
                wrongKinds?.Add(at);
        }
        writer.WriteEndObject();
    }

    private static void CopyList(ref Utf8JsonReader reader, Utf8JsonWriter writer, JsonTypeInfo element, string path, List<string>? wrongKinds)
    {
        writer.WriteStartArray();
        for (var i = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; i++)
        {
            if (reader.TokenType == JsonTokenType.Null) writer.WriteNullValue();
            else if (!TryCopy(ref reader, writer, element, null, $"{path}[{i}]", wrongKinds))
            {
                writer.WriteNullValue();
                wrongKinds?.Add($"{path}[{i}]");
            }
        }
        writer.WriteEndArray();
    }

    /// <summary>Copies the value under the reader if it fits <paramref name="info"/> (writing <paramref name="name"/> first); skips it otherwise.</summary>
    private static bool TryCopy(ref Utf8JsonReader reader, Utf8JsonWriter writer, JsonTypeInfo info, string? name, string path, List<string>? wrongKinds)
    {
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object when reader.TokenType == JsonTokenType.StartObject:
                if (name is not null) writer.WritePropertyName(name);
                CopyObject(ref reader, writer, info, path, wrongKinds);
                return true;
            case JsonTypeInfoKind.Enumerable when reader.TokenType == JsonTokenType.StartArray:
                if (name is not null) writer.WritePropertyName(name);
                CopyList(ref reader, writer, info.Options.GetTypeInfo(info.ElementType!), path, wrongKinds);
                return true;
            case JsonTypeInfoKind.None:
                return TryCopyValue(ref reader, writer, Nullable.GetUnderlyingType(info.Type) ?? info.Type, name);
            default:
                reader.Skip();
                return false;
        }
    }

    private static bool TryCopyValue(ref Utf8JsonReader reader, Utf8JsonWriter writer, Type type, string? name)
    {
        if (type == typeof(string))
        {
            if (reader.TokenType != JsonTokenType.String) return Skip(ref reader);
            if (name is not null) writer.WritePropertyName(name);
            writer.WriteStringValue(reader.GetString());
            return true;
        }
        if (type == typeof(bool))
        {
            if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False)) return Skip(ref reader);
            if (name is not null) writer.WritePropertyName(name);
            writer.WriteBooleanValue(reader.GetBoolean());
            return true;
        }
        if (type == typeof(double))
        {
            var number = Number(ref reader);
            if (name is not null) writer.WritePropertyName(name);
            if (double.IsFinite(number)) writer.WriteNumberValue(number);
            else writer.WriteStringValue(double.IsNaN(number) ? "NaN" : number > 0 ? "Infinity" : "-Infinity");
            return true;
        }
        if (type == typeof(long) || type == typeof(int))
        {
            // Whole numbers exactly, as int64 (nanoseconds since 1970 need all 63 bits); a fraction or anything else is skipped.
            if (!WholeNumber(ref reader, out var number) || (type == typeof(int) && (number > int.MaxValue || number < int.MinValue))) return false;
            if (name is not null) writer.WritePropertyName(name);
            writer.WriteNumberValue(number);
            return true;
        }
        throw new InvalidOperationException($"the contracts hold no {type.Name}: add its reading to {nameof(TolerantJson)}");
    }

    /// <summary>The number under the reader (a JSON number or a string holding one); NaN for anything else, which is skipped.</summary>
    private static double Number(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number when reader.TryGetDouble(out var number):
                return number;
            case JsonTokenType.String when double.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed):
                return parsed;
            default:
                reader.Skip();
                return double.NaN;
        }
    }

    /// <summary>A whole number under the reader (a JSON number or a string holding one) that fits in 64 bits; false (skipped) otherwise.</summary>
    private static bool WholeNumber(ref Utf8JsonReader reader, out long number)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number when reader.TryGetInt64(out number):
                return true;
            case JsonTokenType.Number when reader.TryGetDouble(out var real) && real == Math.Floor(real) && Math.Abs(real) <= 9e15:
                number = (long)real; // 1e3 or 2.0: whole, written another way
                return true;
            case JsonTokenType.String when long.TryParse(reader.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number):
                return true;
            case JsonTokenType.String when double.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var text)
                                           && text == Math.Floor(text) && Math.Abs(text) <= 9e15:
                number = (long)text;
                return true;
            default:
                reader.Skip();
                number = 0;
                return false;
        }
    }

    private static bool Skip(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return false;
    }

    private static JsonPropertyInfo? Find(JsonTypeInfo info, string name)
    {
        foreach (var property in info.Properties)
            if (property.Name == name) return property;
        return null;
    }
}
