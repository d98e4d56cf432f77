using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TuneOperator.Testing.Schema;

/// <summary>Converts JSON values into CEL values typed by their schema, as the Kubernetes API server does:
/// integer fields are int, number fields double (also for whole numbers), strings with format byte, duration,
/// date-time or date become bytes, durations and timestamps; objects with properties expose their fields under
/// CEL-escaped names (<c>foo-bar</c> as <c>foo__dash__bar</c>).</summary>
internal static class CelJson
{
    private static readonly HashSet<string> ReservedNames =
    [
        "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if", "import",
        "let", "loop", "package", "namespace", "return", "var", "void", "while",
    ];

    /// <summary>The CEL field name for a property name, or null when the property is not accessible from CEL.</summary>
    public static string? EscapeFieldName(string name)
    {
        if (ReservedNames.Contains(name))
        {
            return "__" + name + "__";
        }

        var sb = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '_' && i + 1 < name.Length && name[i + 1] == '_')
            {
                sb.Append("__underscores__");
                i++;
            }
            else if (c == '.')
            {
                sb.Append("__dot__");
            }
            else if (c == '-')
            {
                sb.Append("__dash__");
            }
            else if (c == '/')
            {
                sb.Append("__slash__");
            }
            else if (char.IsAsciiLetterOrDigit(c) || c == '_')
            {
                sb.Append(c);
            }
            else
            {
                return null;
            }
        }

        var escaped = sb.ToString();
        return escaped.Length > 0 && !char.IsAsciiDigit(escaped[0]) ? escaped : null;
    }

    /// <summary>Converts <paramref name="node"/> typed by <paramref name="schema"/> (null: untyped).</summary>
    public static object? ToCel(JsonNode? node, JsonObject? schema, bool isRoot = false)
    {
        if (node is null)
        {
            return null;
        }

        if (schema is null || schema.IsDynamic())
        {
            return Untyped(node);
        }

        switch (node)
        {
            case JsonObject obj when schema.IsStruct() || (!schema.IsMap() && schema.Type() == "object"):
                var fields = new CelMap();
                foreach (var (name, value) in obj)
                {
                    var propertySchema = schema.Property(name);
                    if (propertySchema is null && isRoot && name is "apiVersion" or "kind" or "metadata")
                    {
                        fields.TryAdd(name, name == "metadata" ? RootMetadata(value) : Untyped(value));
                        continue;
                    }

                    if (propertySchema is null && !schema.PreserveUnknown())
                    {
                        continue;
                    }

                    if (EscapeFieldName(name) is { } escaped)
                    {
                        fields.TryAdd(escaped, ToCel(value, propertySchema));
                    }
                }

                return fields;
            case JsonObject obj:
                var valueSchema = schema.AdditionalProperties();
                var map = new CelMap();
                foreach (var (name, value) in obj)
                {
                    map.TryAdd(name, ToCel(value, valueSchema));
                }

                return map;
            case JsonArray array:
                var itemSchema = schema.Items();
                return array.Select(item => ToCel(item, itemSchema)).ToList();
            case JsonValue value:
                return Scalar(value, schema);
            default:
                return null;
        }
    }

    private static CelMap RootMetadata(JsonNode? metadata)
    {
        // At the root, rules see only metadata.name and metadata.generateName, like the API server.
        var map = new CelMap();
        if (metadata is JsonObject obj)
        {
            foreach (var name in new[] { "name", "generateName" })
            {
                if (obj[name] is JsonValue v && v.TryGetValue<string>(out var s))
                {
                    map.TryAdd(name, s);
                }
            }
        }

        return map;
    }

    private static object? Scalar(JsonValue value, JsonObject schema)
    {
        var kind = value.GetValueKind();
        switch (schema.Type())
        {
            case "integer" when kind == JsonValueKind.Number:
                return value.TryGetLong(out var l) ? l : Untyped(value);
            case "number" when kind == JsonValueKind.Number:
                return value.GetDouble();
            case "string" when kind == JsonValueKind.String:
                var s = value.GetValue<string>();
                return schema.Format() switch
                {
                    "byte" => TryBase64(s) is { } bytes ? new CelBytes(bytes) : s,
                    "duration" => CelTime.TryParseDuration(s, out var duration) ? duration : s,
                    "date-time" or "datetime" => CelTime.TryParseTimestamp(s, out var ts) ? ts : s,
                    "date" => DateOnly.TryParseExact(s, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var date)
                        ? new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)
                        : s,
                    _ => s,
                };
            default:
                return Untyped(value);
        }
    }

    private static byte[]? TryBase64(string s)
    {
        try
        {
            return Convert.FromBase64String(s);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Converts JSON without a schema: integers are int, other numbers double.</summary>
    public static object? Untyped(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => new CelMap(obj.Select(p => new KeyValuePair<object, object?>(p.Key, Untyped(p.Value)))),
        JsonArray array => array.Select(Untyped).ToList(),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.Number => v.IsIntegerLiteral() && v.TryGetLong(out var l) ? (object)l : v.GetDouble(),
            _ => null,
        },
        _ => null,
    };
}
