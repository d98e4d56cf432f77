using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TuneOperator.Api.Crds;

/// <summary>
/// Writes a JSON tree as block-style YAML, deterministically: keys keep their order, strings that could be read as
/// another type (or contain special characters) are double-quoted with JSON escapes, which YAML reads the same way.
/// </summary>
public static partial class CrdYaml
{
    /// <summary>Renders <paramref name="node"/> as a YAML document ending in a newline.</summary>
    public static string Write(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var text = new StringBuilder();
        text.Append("---\n");
        WriteValue(text, node, 0, inList: false);
        return text.ToString();
    }

    private static void WriteValue(StringBuilder text, JsonNode? node, int indent, bool inList)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count > 0:
                var first = true;
                foreach (var (key, value) in obj)
                {
                    if (!(first && inList))
                    {
                        text.Append(' ', indent);
                    }

                    first = false;
                    text.Append(Key(key)).Append(':');
                    WriteChild(text, value, indent);
                }

                break;
            case JsonArray array when array.Count > 0:
                var firstItem = true;
                foreach (var item in array)
                {
                    if (!(firstItem && inList))
                    {
                        text.Append(' ', indent);
                    }

                    firstItem = false;
                    text.Append("- ");
                    if (item is JsonObject { Count: > 0 } or JsonArray { Count: > 0 })
                    {
                        WriteValue(text, item, indent + 2, inList: true);
                    }
                    else
                    {
                        text.Append(Scalar(item)).Append('\n');
                    }
                }

                break;
            default:
                text.Append(Scalar(node)).Append('\n');
                break;
        }
    }

    private static void WriteChild(StringBuilder text, JsonNode? value, int indent)
    {
        switch (value)
        {
            case JsonObject { Count: > 0 }:
                text.Append('\n');
                WriteValue(text, value, indent + 2, inList: false);
                break;
            case JsonArray { Count: > 0 }:
                text.Append('\n');
                WriteValue(text, value, indent, inList: false);
                break;
            default:
                text.Append(' ').Append(Scalar(value)).Append('\n');
                break;
        }
    }

    private static string Key(string key) => PlainKey().IsMatch(key) && !Reserved().IsMatch(key) ? key : Quote(key);

    private static string Scalar(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return "null";
            case JsonObject:
                return "{}";
            case JsonArray:
                return "[]";
        }

        var element = JsonSerializer.SerializeToElement(node);
        return element.ValueKind switch
        {
            JsonValueKind.String => PlainString(element.GetString()!),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => Number(element),
            _ => "null",
        };
    }

    private static string Number(JsonElement element)
    {
        if (element.TryGetInt64(out var integer))
        {
            return integer.ToString(CultureInfo.InvariantCulture);
        }

        var value = element.GetDouble();
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0";
    }

    private static string PlainString(string value) => IsPlainSafe(value) ? value : Quote(value);

    private static bool IsPlainSafe(string value) =>
        value.Length > 0
        && char.IsAsciiLetter(value[0])
        && !Reserved().IsMatch(value)
        && !value.Contains(": ", StringComparison.Ordinal)
        && !value.Contains(" #", StringComparison.Ordinal)
        && !value.EndsWith(':')
        && !value.EndsWith(' ')
        && !value.Any(char.IsControl);

    private static string Quote(string value) => JsonSerializer.Serialize(value, QuoteOptions);

    private static readonly JsonSerializerOptions QuoteOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.\-/]*$")]
    private static partial Regex PlainKey();

    [GeneratedRegex(@"^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$")]
    private static partial Regex Reserved();
}
