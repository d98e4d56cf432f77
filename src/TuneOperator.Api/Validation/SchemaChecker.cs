using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TuneOperator.Api.Validation;

/// <summary>
/// Checks a JSON value against a structural OpenAPI v3 schema as generated from the API types: types, unknown
/// fields, required fields, enums, bounds, lengths, patterns, item counts and list-map/set uniqueness. CEL rules are
/// not evaluated here; the validators mirror them in C#.
/// </summary>
public static class SchemaChecker
{
    private static readonly ConcurrentDictionary<string, Regex> Regexes = new(StringComparer.Ordinal);

    private static readonly Dictionary<string, string> PatternHints = new(StringComparer.Ordinal)
    {
        [Patterns.Location] = Patterns.LocationExample,
        [Patterns.ObjectName] = "a lowercase name of letters, digits, '-' and '.', starting and ending with a letter or digit",
        [Patterns.Label] = "a lowercase name of letters, digits and '-', starting and ending with a letter or digit",
        [Patterns.Quantity] = "a Kubernetes quantity such as 4, 500m or 16Gi",
        [Patterns.Duration] = "a duration such as 30s, 5m or 1h30m",
        [Patterns.MetricName] = "a metric name such as evalLoss",
        [Patterns.ModuleName] = "a module name such as q_proj",
        [Patterns.Image] = "an image reference such as ghcr.io/org/tune-trainer:0.1.0",
    };

    /// <summary>Checks <paramref name="value"/> and appends every problem to <paramref name="errors"/>.</summary>
    /// <param name="value">The value (null when the field is absent or null).</param>
    /// <param name="schema">The schema node.</param>
    /// <param name="path">Path of the value, used in the errors.</param>
    /// <param name="errors">Receives the problems.</param>
    /// <param name="structureOnly">Only check what decoding needs (types, unknown and required fields), as strict
    /// decoding does; bounds, patterns and lengths are left to validation.</param>
    public static void Check(JsonNode? value, JsonObject schema, string path, List<ValidationError> errors, bool structureOnly = false)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(errors);
        if (schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true && schema["type"] is null)
        {
            return;
        }

        var type = schema["type"]?.GetValue<string>();
        if (value is null)
        {
            errors.Add(new ValidationError(path, $"must not be null; give a value of type {type} or remove the field"));
            return;
        }

        switch (type)
        {
            case "object":
                CheckObject(value, schema, path, errors, structureOnly);
                break;
            case "array":
                CheckArray(value, schema, path, errors, structureOnly);
                break;
            case "string":
                CheckString(value, schema, path, errors, structureOnly);
                break;
            case "integer":
            case "number":
                CheckNumber(value, schema, path, errors, structureOnly, integer: type == "integer");
                break;
            case "boolean":
                if (Kind(value) is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add(new ValidationError(path, $"expected true or false, got {Describe(value)}"));
                }

                break;
            default:
                break;
        }
    }

    private static void CheckObject(JsonNode value, JsonObject schema, string path, List<ValidationError> errors, bool structureOnly)
    {
        if (value is not JsonObject obj)
        {
            errors.Add(new ValidationError(path, $"expected an object (a mapping of fields), got {Describe(value)}"));
            return;
        }

        if (schema["properties"] is JsonObject properties)
        {
            foreach (var (key, child) in obj)
            {
                var childPath = Join(path, key);
                if (properties[key] is JsonObject childSchema)
                {
                    Check(child, childSchema, childPath, errors, structureOnly);
                }
                else if (schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() != true)
                {
                    var suggestion = properties.Select(p => p.Key)
                        .FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
                    var known = string.Join(", ", properties.Select(p => p.Key));
                    errors.Add(new ValidationError(childPath, suggestion is not null
                        ? $"unknown field \"{key}\"; did you mean \"{suggestion}\"?"
                        : $"unknown field \"{key}\"; the fields of {(path.Length == 0 ? "the resource" : path)} are: {known}"));
                }
            }
        }
        else if (schema["additionalProperties"] is JsonObject valueSchema)
        {
            foreach (var (key, child) in obj)
            {
                Check(child, valueSchema, $"{path}[{key}]", errors, structureOnly);
            }

            if (!structureOnly && schema["maxProperties"] is { } maxProperties && obj.Count > maxProperties.GetValue<int>())
            {
                errors.Add(new ValidationError(path, $"has {obj.Count} entries, at most {maxProperties} are allowed"));
            }
        }

        if (schema["required"] is JsonArray required)
        {
            foreach (var name in required.Select(r => r!.GetValue<string>()))
            {
                if (!obj.ContainsKey(name))
                {
                    errors.Add(new ValidationError(Join(path, name), "required field is missing; add it"));
                }
            }
        }
    }

    private static void CheckArray(JsonNode value, JsonObject schema, string path, List<ValidationError> errors, bool structureOnly)
    {
        if (value is not JsonArray array)
        {
            errors.Add(new ValidationError(path, $"expected a list, got {Describe(value)}"));
            return;
        }

        if (schema["items"] is JsonObject itemSchema)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Check(array[i], itemSchema, $"{path}[{i}]", errors, structureOnly);
            }
        }

        if (structureOnly)
        {
            return;
        }

        if (schema["minItems"] is { } minItems && array.Count < minItems.GetValue<int>())
        {
            errors.Add(new ValidationError(path, $"has {array.Count} items, at least {minItems} are required"));
        }

        if (schema["maxItems"] is { } maxItems && array.Count > maxItems.GetValue<int>())
        {
            errors.Add(new ValidationError(path, $"has {array.Count} items, at most {maxItems} are allowed"));
        }

        var listType = schema["x-kubernetes-list-type"]?.GetValue<string>();
        if (listType == "set")
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < array.Count; i++)
            {
                var text = array[i]?.ToJsonString() ?? "null";
                if (!seen.Add(text))
                {
                    errors.Add(new ValidationError($"{path}[{i}]", $"duplicate value {text}; every item must be unique"));
                }
            }
        }
        else if (listType == "map" && schema["x-kubernetes-list-map-keys"] is JsonArray keys)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < array.Count; i++)
            {
                if (array[i] is not JsonObject item)
                {
                    continue;
                }

                var key = string.Join(",", keys.Select(k => item[k!.GetValue<string>()]?.ToJsonString() ?? "null"));
                if (!seen.Add(key))
                {
                    var names = string.Join(", ", keys.Select(k => k!.GetValue<string>()));
                    errors.Add(new ValidationError($"{path}[{i}]", $"duplicate entry with {names} {key}; {names} must be unique in the list"));
                }
            }
        }
    }

    private static void CheckString(JsonNode value, JsonObject schema, string path, List<ValidationError> errors, bool structureOnly)
    {
        if (Kind(value) != JsonValueKind.String)
        {
            var hint = schema["enum"] is JsonArray e ? $"; use one of {string.Join(", ", e.Select(x => x!.GetValue<string>()))}" : "";
            errors.Add(new ValidationError(path, $"expected a string, got {Describe(value)}{hint} (quote it if it is meant as text)"));
            return;
        }

        var text = value.GetValue<string>();
        if (schema["enum"] is JsonArray allowed)
        {
            var values = allowed.Select(x => x!.GetValue<string>()).ToList();
            if (!values.Contains(text, StringComparer.Ordinal))
            {
                var suggestion = values.FirstOrDefault(v => string.Equals(v, text, StringComparison.OrdinalIgnoreCase));
                errors.Add(new ValidationError(path, suggestion is not null
                    ? $"unsupported value \"{text}\"; did you mean \"{suggestion}\"? (values are case-sensitive)"
                    : $"unsupported value \"{text}\"; use one of {string.Join(", ", values)}"));
            }

            return;
        }

        if (schema["format"]?.GetValue<string>() == "date-time"
            && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _))
        {
            errors.Add(new ValidationError(path, $"\"{text}\" is not an RFC 3339 date-time such as 2025-01-31T12:00:00Z"));
            return;
        }

        if (structureOnly)
        {
            return;
        }

        var length = text.EnumerateRunes().Count();
        if (schema["minLength"] is { } minLength && length < minLength.GetValue<int>())
        {
            errors.Add(new ValidationError(path, length == 0
                ? "must not be empty"
                : $"is {length} characters long, at least {minLength} are required"));
        }

        if (schema["maxLength"] is { } maxLength && length > maxLength.GetValue<int>())
        {
            errors.Add(new ValidationError(path, $"is {length} characters long, at most {maxLength} are allowed; shorten it"));
        }

        if (schema["pattern"]?.GetValue<string>() is { } pattern
            && !Regexes.GetOrAdd(pattern, p => new Regex(p, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))).IsMatch(text))
        {
            var hint = PatternHints.TryGetValue(pattern, out var h) ? h : $"the pattern {pattern}";
            errors.Add(new ValidationError(path, $"\"{text}\" is not valid; write {hint}"));
        }
    }

    private static void CheckNumber(JsonNode value, JsonObject schema, string path, List<ValidationError> errors, bool structureOnly, bool integer)
    {
        if (Kind(value) != JsonValueKind.Number)
        {
            errors.Add(new ValidationError(path, $"expected {(integer ? "an integer" : "a number")}, got {Describe(value)}"));
            return;
        }

        var number = ToDouble(value);
        if (integer && number != Math.Floor(number))
        {
            errors.Add(new ValidationError(path, $"expected an integer, got {Format(number)}"));
            return;
        }

        if (structureOnly)
        {
            return;
        }

        if (schema["minimum"] is { } minimumNode)
        {
            var minimum = ToDouble(minimumNode);
            var exclusive = schema["exclusiveMinimum"]?.GetValue<bool>() == true;
            if (exclusive ? number <= minimum : number < minimum)
            {
                errors.Add(new ValidationError(path, $"must be {(exclusive ? "greater than" : "at least")} {Format(minimum)}, got {Format(number)}"));
            }
        }

        if (schema["maximum"] is { } maximumNode)
        {
            var maximum = ToDouble(maximumNode);
            var exclusive = schema["exclusiveMaximum"]?.GetValue<bool>() == true;
            if (exclusive ? number >= maximum : number > maximum)
            {
                errors.Add(new ValidationError(path, $"must be {(exclusive ? "less than" : "at most")} {Format(maximum)}, got {Format(number)}"));
            }
        }
    }

    private static double ToDouble(JsonNode node)
    {
        using var document = JsonDocument.Parse(node.ToJsonString());
        return document.RootElement.GetDouble();
    }

    private static JsonValueKind Kind(JsonNode node) => node switch
    {
        JsonObject => JsonValueKind.Object,
        JsonArray => JsonValueKind.Array,
        _ => node.GetValueKind(),
    };

    private static string Describe(JsonNode node) => Kind(node) switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => $"the string \"{node.GetValue<string>()}\"",
        JsonValueKind.Number => $"the number {node.ToJsonString()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {node.ToJsonString()}",
        _ => "null",
    };

    private static string Format(double value) => value.ToString("G", CultureInfo.InvariantCulture);

    /// <summary>Joins a parent path and a field name.</summary>
    public static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;
}
