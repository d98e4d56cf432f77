using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TuneOperator.Testing.Schema;

/// <summary>Converts YAML manifests to JSON the way kubectl does (sigs.k8s.io/yaml): plain scalars are resolved with
/// YAML 1.1 rules (<c>true</c>, <c>yes</c>, <c>on</c> are booleans; <c>~</c> and <c>null</c> are null; integers and
/// floats become numbers), quoted and block scalars stay strings, explicit tags such as <c>!!str</c> win.</summary>
public static partial class YamlJson
{
    /// <summary>Parses a single-document YAML text.</summary>
    /// <exception cref="FormatException">The text is not valid YAML, holds several documents, or a value has no
    /// JSON form (a non-string map key, .inf or .nan).</exception>
    public static JsonNode? Parse(string yaml)
    {
        var documents = ParseAll(yaml);
        return documents.Count switch
        {
            0 => null,
            1 => documents[0],
            _ => throw new FormatException($"expected one YAML document but found {documents.Count}; use ParseAll"),
        };
    }

    /// <summary>Parses every document of a multi-document YAML text (separated by <c>---</c>); empty documents are skipped.</summary>
    public static IReadOnlyList<JsonNode?> ParseAll(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new FormatException($"invalid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}", ex);
        }

        return [.. stream.Documents.Where(d => !IsEmptyDocument(d)).Select(d => Convert(d.RootNode, "$"))];
    }

    private static bool IsEmptyDocument(YamlDocument document) =>
        document.RootNode is YamlScalarNode { Value: null or "", Style: ScalarStyle.Plain } root && root.Tag.IsEmpty;

    private static JsonNode? Convert(YamlNode node, string path)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                var merges = new List<YamlNode>();
                foreach (var (keyNode, valueNode) in mapping.Children)
                {
                    if (keyNode is not YamlScalarNode { Value: { } key })
                    {
                        throw new FormatException($"{path}: map keys must be strings");
                    }

                    if (key == "<<" && keyNode is YamlScalarNode { Style: ScalarStyle.Plain })
                    {
                        merges.Add(valueNode);
                        continue;
                    }

                    if (obj.ContainsKey(key))
                    {
                        throw new FormatException($"{path}: duplicate key \"{key}\"");
                    }

                    obj[key] = Convert(valueNode, path + "." + key);
                }

                // Explicit keys win over merged ones, wherever the merge key appears.
                foreach (var merge in merges)
                {
                    MergeInto(obj, merge, path);
                }

                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                var i = 0;
                foreach (var item in sequence.Children)
                {
                    array.Add(Convert(item, $"{path}[{i++}]"));
                }

                return array;
            case YamlScalarNode scalar:
                return Scalar(scalar, path);
            default:
                throw new FormatException($"{path}: unsupported YAML node");
        }
    }

    private static void MergeInto(JsonObject target, YamlNode source, string path)
    {
        var sources = source is YamlSequenceNode list ? list.Children : [source];
        foreach (var item in sources)
        {
            if (Convert(item, path) is not JsonObject merged)
            {
                throw new FormatException($"{path}: '<<' needs a map or a list of maps");
            }

            foreach (var (key, value) in merged)
            {
                if (!target.ContainsKey(key))
                {
                    target[key] = value?.DeepClone();
                }
            }
        }
    }

    private static JsonNode? Scalar(YamlScalarNode scalar, string path)
    {
        var text = scalar.Value ?? "";
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        switch (tag)
        {
            case "tag:yaml.org,2002:str":
                return JsonValue.Create(text);
            case "tag:yaml.org,2002:null":
                return null;
            case "tag:yaml.org,2002:bool":
                return ResolveBool(text) is { } b ? JsonValue.Create(b) : throw new FormatException($"{path}: '{text}' is not a bool");
            case "tag:yaml.org,2002:int" or "tag:yaml.org,2002:float":
                return ResolveNumber(text, path) ?? throw new FormatException($"{path}: '{text}' is not a number");
            case null or "!":
                break;
            default:
                throw new FormatException($"{path}: unsupported tag {tag}");
        }

        if (scalar.Style != ScalarStyle.Plain || tag == "!")
        {
            return JsonValue.Create(text);
        }

        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (ResolveBool(text) is { } boolean)
        {
            return JsonValue.Create(boolean);
        }

        return ResolveNumber(text, path) ?? JsonValue.Create(text);
    }

    private static bool? ResolveBool(string text) => text switch
    {
        "y" or "Y" or "yes" or "Yes" or "YES" or "true" or "True" or "TRUE" or "on" or "On" or "ON" => true,
        "n" or "N" or "no" or "No" or "NO" or "false" or "False" or "FALSE" or "off" or "Off" or "OFF" => false,
        _ => null,
    };

    private static JsonNode? ResolveNumber(string text, string path)
    {
        var plain = text.Replace("_", "", StringComparison.Ordinal);
        if (IntPattern().IsMatch(plain))
        {
            return long.TryParse(plain, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
                ? JsonValue.Create(l)
                : JsonNode.Parse(plain.TrimStart('+'));
        }

        var sign = plain.StartsWith('-') ? -1 : 1;
        var digits = plain.TrimStart('+', '-');
        if (digits.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(digits[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            return JsonValue.Create(sign * hex);
        }

        if (digits.StartsWith("0b", StringComparison.Ordinal) && digits.Length > 2 && digits[2..].All(c => c is '0' or '1'))
        {
            return JsonValue.Create(sign * System.Convert.ToInt64(digits[2..], 2));
        }

        if (digits.StartsWith("0o", StringComparison.Ordinal) && digits.Length > 2 && digits[2..].All(c => c is >= '0' and <= '7'))
        {
            return JsonValue.Create(sign * System.Convert.ToInt64(digits[2..], 8));
        }

        if (digits.Length > 1 && digits[0] == '0' && digits.All(char.IsAsciiDigit))
        {
            // YAML 1.1 reads a leading zero as octal; other digit strings with a leading zero stay strings.
            return digits.All(c => c is >= '0' and <= '7') ? JsonValue.Create(sign * System.Convert.ToInt64(digits, 8)) : null;
        }

        if (FloatPattern().IsMatch(plain))
        {
            var normalized = plain.TrimStart('+');
            normalized = normalized.StartsWith('.') ? "0" + normalized : normalized.Replace("-.", "-0.", StringComparison.Ordinal);
            normalized = normalized.EndsWith('.') ? normalized + "0" : normalized.Replace(".e", ".0e", StringComparison.OrdinalIgnoreCase);
            return JsonNode.Parse(normalized);
        }

        if (plain.TrimStart('+', '-') is ".inf" or ".Inf" or ".INF" or ".nan" or ".NaN" or ".NAN")
        {
            throw new FormatException($"{path}: '{text}' has no JSON representation");
        }

        return null;
    }

    [GeneratedRegex("^[-+]?(0|[1-9][0-9]*)$")]
    private static partial Regex IntPattern();

    [GeneratedRegex("^[-+]?(([0-9]+\\.[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+)$")]
    private static partial Regex FloatPattern();
}
