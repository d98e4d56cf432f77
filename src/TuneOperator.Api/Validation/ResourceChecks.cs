using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using k8s.Models;

namespace TuneOperator.Api.Validation;

/// <summary>Checks shared by the validators of all kinds.</summary>
internal static partial class ResourceChecks
{
    /// <summary>Checks metadata.name: required, an RFC 1123 label of at most <paramref name="maxLength"/>
    /// characters (the operator derives pod and job names from it).</summary>
    public static void CheckName(V1ObjectMeta? metadata, int maxLength, List<ValidationError> errors)
    {
        var name = metadata?.Name;
        if (string.IsNullOrEmpty(name))
        {
            if (string.IsNullOrEmpty(metadata?.GenerateName))
            {
                errors.Add(new ValidationError("metadata.name", "required field is missing; give the resource a name"));
            }

            return;
        }

        if (name.Length > maxLength)
        {
            errors.Add(new ValidationError("metadata.name", $"\"{name}\" is {name.Length} characters long, at most {maxLength} are allowed because pod names are derived from it; shorten it"));
        }

        if (!LabelName().IsMatch(name))
        {
            errors.Add(new ValidationError("metadata.name", $"\"{name}\" is not valid; use lowercase letters, digits and '-', starting and ending with a letter or digit"));
        }
    }

    /// <summary>Serialises <paramref name="value"/> and checks it against the schema of <paramref name="resourceType"/>'s
    /// field <paramref name="field"/> (e.g. spec).</summary>
    public static void CheckSchema<T>(T value, Type resourceType, string field, List<ValidationError> errors)
    {
        var schema = (JsonObject)ApiSchemas.For(resourceType)["properties"]![field]!;
        var node = JsonSerializer.SerializeToNode(value, TypeInfo<T>());
        SchemaChecker.Check(node, schema, field, errors);
    }

    /// <summary>True when the two objects serialise to the same JSON (what CEL's <c>==</c> compares).</summary>
    public static bool SameJson<T>(T left, T right) =>
        JsonNode.DeepEquals(JsonSerializer.SerializeToNode(left, TypeInfo<T>()), JsonSerializer.SerializeToNode(right, TypeInfo<T>()));

    private static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)ApiJson.Options.GetTypeInfo(typeof(T));

    /// <summary>Parses a duration such as 30s, 5m, 1h30m or 250ms.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var matches = DurationPart().Matches(text);
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != text)
        {
            return false;
        }

        foreach (Match match in matches)
        {
            var amount = long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            duration += match.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "s" => TimeSpan.FromSeconds(amount),
                _ => TimeSpan.FromMilliseconds(amount),
            };
        }

        return true;
    }

    [GeneratedRegex(Patterns.Label)]
    private static partial Regex LabelName();

    [GeneratedRegex("([0-9]+)(ms|h|m|s)")]
    private static partial Regex DurationPart();
}
