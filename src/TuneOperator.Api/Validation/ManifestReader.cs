using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace TuneOperator.Api.Validation;

/// <summary>The outcome of reading one manifest.</summary>
/// <param name="Resource">The typed resource (FineTuneJob, FineTuneSweep or ModelDeployment), or null when the
/// manifest could not be decoded.</param>
/// <param name="Errors">Decoding errors, each naming its field path; empty when <paramref name="Resource"/> is set.</param>
public sealed record ManifestReadResult(object? Resource, IReadOnlyList<ValidationError> Errors)
{
    /// <summary>True when the manifest was decoded.</summary>
    public bool Succeeded => Resource is not null && Errors.Count == 0;
}

/// <summary>
/// Reads YAML (or JSON) manifests into the typed API objects with strict field validation, like
/// <c>kubectl apply --validate=strict</c>: unknown fields, duplicate fields, wrong types and missing required fields
/// are reported with their path. Values are not range-checked here; run the validators for that.
/// </summary>
public static partial class ManifestReader
{
    private static readonly HashSet<string> MetadataFields = typeof(V1ObjectMeta)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name))
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>Reads a manifest holding exactly one resource of any TuneOperator kind.</summary>
    public static ManifestReadResult Read(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var documents = ParseDocuments(yaml, out var syntaxError);
        if (syntaxError is not null)
        {
            return new ManifestReadResult(null, [syntaxError]);
        }

        if (documents.Count != 1)
        {
            return new ManifestReadResult(null, [new ValidationError("", $"expected exactly one YAML document, found {documents.Count}; split the file or use ReadAll")]);
        }

        return Decode(documents[0]);
    }

    /// <summary>Reads every document of a multi-document YAML stream.</summary>
    public static IReadOnlyList<ManifestReadResult> ReadAll(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var documents = ParseDocuments(yaml, out var syntaxError);
        return syntaxError is not null
            ? [new ManifestReadResult(null, [syntaxError])]
            : documents.Select(Decode).ToList();
    }

    /// <summary>Reads a manifest that must hold a resource of type <typeparamref name="T"/>.</summary>
    public static ManifestReadResult Read<T>(string yaml)
        where T : class
    {
        var result = Read(yaml);
        if (result.Resource is not null and not T)
        {
            var kind = typeof(T).GetCustomAttribute<ResourceNamesAttribute>()?.Kind ?? typeof(T).Name;
            return new ManifestReadResult(null, [new ValidationError("kind", $"expected kind {kind}, got {result.Resource.GetType().Name}")]);
        }

        return result;
    }

    /// <summary>Reads a manifest of type <typeparamref name="T"/>, throwing on any decoding error.</summary>
    /// <exception cref="ValidationException">The manifest is not a valid <typeparamref name="T"/>.</exception>
    public static T ReadOrThrow<T>(string yaml)
        where T : class
    {
        var result = Read<T>(yaml);
        return result.Succeeded ? (T)result.Resource! : throw new ValidationException(result.Errors);
    }

    /// <summary>Converts YAML text to a JSON tree with YAML scalar typing (unquoted 3 is a number, "3" a string).</summary>
    /// <exception cref="ValidationException">The text is not valid YAML.</exception>
    public static IReadOnlyList<JsonNode?> ToJson(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var documents = ParseDocuments(yaml, out var syntaxError);
        return syntaxError is not null ? throw new ValidationException([syntaxError]) : documents;
    }

    /// <summary>Decodes one JSON tree into a typed resource with strict field validation.</summary>
    public static ManifestReadResult Decode(JsonNode? document)
    {
        if (document is not JsonObject root)
        {
            return new ManifestReadResult(null, [new ValidationError("", "expected a resource (a mapping with apiVersion, kind, metadata and spec)")]);
        }

        var errors = new List<ValidationError>();
        var apiVersion = root["apiVersion"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
        var kind = root["kind"] is JsonValue k && k.GetValueKind() == JsonValueKind.String ? k.GetValue<string>() : null;
        if (apiVersion != ApiGroup.ApiVersion)
        {
            errors.Add(new ValidationError("apiVersion", apiVersion is null
                ? $"required field is missing; set apiVersion: {ApiGroup.ApiVersion}"
                : $"unsupported apiVersion \"{apiVersion}\"; use {ApiGroup.ApiVersion}"));
        }

        var type = kind is null ? null : ApiSchemas.TypeOfKind(kind);
        if (type is null)
        {
            errors.Add(new ValidationError("kind", kind is null
                ? "required field is missing; set kind to FineTuneJob, FineTuneSweep or ModelDeployment"
                : $"unknown kind \"{kind}\"; use FineTuneJob, FineTuneSweep or ModelDeployment"));
        }

        if (errors.Count > 0 || type is null)
        {
            return new ManifestReadResult(null, errors);
        }

        CheckMetadata(root["metadata"], errors);
        var schema = ApiSchemas.For(type);
        var withoutMetadata = new JsonObject();
        foreach (var (key, value) in root)
        {
            withoutMetadata[key] = key == "metadata" ? new JsonObject() : value?.DeepClone();
        }

        SchemaChecker.Check(withoutMetadata, schema, "", errors, structureOnly: true);
        if (errors.Count > 0)
        {
            return new ManifestReadResult(null, errors);
        }

        try
        {
            var resource = root.Deserialize(type, ApiJson.Options);
            return resource is null
                ? new ManifestReadResult(null, [new ValidationError("", "the manifest is empty")])
                : new ManifestReadResult(resource, []);
        }
        catch (JsonException e)
        {
            var path = (e.Path ?? "").TrimStart('$').TrimStart('.');
            return new ManifestReadResult(null, [new ValidationError(path, e.Message)]);
        }
    }

    private static void CheckMetadata(JsonNode? metadata, List<ValidationError> errors)
    {
        if (metadata is not JsonObject meta)
        {
            errors.Add(new ValidationError("metadata", metadata is null
                ? "required field is missing; add metadata with a name"
                : "expected an object with name, namespace, labels, ..."));
            return;
        }

        foreach (var (key, value) in meta)
        {
            var path = "metadata." + key;
            if (!MetadataFields.Contains(key))
            {
                errors.Add(new ValidationError(path, $"unknown field \"{key}\" in metadata"));
            }
            else if (key is "name" or "namespace" or "generateName" && (value is not JsonValue s || s.GetValueKind() != JsonValueKind.String))
            {
                errors.Add(new ValidationError(path, "expected a string"));
            }
            else if (key is "labels" or "annotations")
            {
                if (value is not JsonObject map)
                {
                    errors.Add(new ValidationError(path, "expected a mapping of strings"));
                    continue;
                }

                foreach (var (entry, text) in map)
                {
                    if (text is not JsonValue t || t.GetValueKind() != JsonValueKind.String)
                    {
                        errors.Add(new ValidationError($"{path}[{entry}]", "expected a string value; quote numbers and booleans"));
                    }
                }
            }
        }
    }

    private static List<JsonNode?> ParseDocuments(string yaml, out ValidationError? error)
    {
        error = null;
        var documents = new List<JsonNode?>();
        var errors = new List<ValidationError>();
        try
        {
            var parser = new Parser(new StringReader(yaml));
            var anchors = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            parser.Consume<StreamStart>();
            while (parser.TryConsume<DocumentStart>(out _))
            {
                anchors.Clear();
                documents.Add(ReadNode(parser, "", anchors, errors));
                parser.Consume<DocumentEnd>();
            }

            parser.Consume<StreamEnd>();
        }
        catch (YamlException e)
        {
            error = new ValidationError("", $"invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}");
            return [];
        }

        if (errors.Count > 0)
        {
            error = errors[0];
            return [];
        }

        return documents;
    }

    private static JsonNode? ReadNode(IParser parser, string path, Dictionary<string, JsonNode?> anchors, List<ValidationError> errors)
    {
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            if (!anchors.TryGetValue(alias.Value.Value, out var target))
            {
                errors.Add(new ValidationError(path, $"unknown YAML alias *{alias.Value.Value} (line {alias.Start.Line})"));
                return null;
            }

            return target?.DeepClone();
        }

        JsonNode? node;
        AnchorName anchor;
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            anchor = scalar.Anchor;
            node = ScalarValue(scalar);
        }
        else if (parser.TryConsume<MappingStart>(out var mappingStart))
        {
            anchor = mappingStart.Anchor;
            var obj = new JsonObject();
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var keyStart = parser.Current?.Start.Line ?? 0;
                var keyNode = ReadNode(parser, path, anchors, errors);
                var key = keyNode is JsonValue k && k.GetValueKind() == JsonValueKind.String ? k.GetValue<string>() : keyNode?.ToJsonString() ?? "null";
                var childPath = SchemaChecker.Join(path, key);
                var value = ReadNode(parser, childPath, anchors, errors);
                if (obj.ContainsKey(key))
                {
                    errors.Add(new ValidationError(childPath, $"duplicate field \"{key}\" (line {keyStart}); keep one"));
                    continue;
                }

                obj[key] = value;
            }

            node = obj;
        }
        else if (parser.TryConsume<SequenceStart>(out var sequenceStart))
        {
            anchor = sequenceStart.Anchor;
            var array = new JsonArray();
            var index = 0;
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                array.Add(ReadNode(parser, $"{path}[{index++}]", anchors, errors));
            }

            node = array;
        }
        else
        {
            var current = parser.Current;
            throw new YamlException(current?.Start ?? Mark.Empty, current?.End ?? Mark.Empty, $"unexpected {current?.GetType().Name}");
        }

        if (!anchor.IsEmpty)
        {
            anchors[anchor.Value] = node?.DeepClone();
        }

        return node;
    }

    private static JsonNode? ScalarValue(Scalar scalar)
    {
        var text = scalar.Value ?? "";
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (scalar.Style is not ScalarStyle.Plain || tag == "tag:yaml.org,2002:str")
        {
            return JsonValue.Create(text);
        }

        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (BoolTrue().IsMatch(text))
        {
            return JsonValue.Create(true);
        }

        if (BoolFalse().IsMatch(text))
        {
            return JsonValue.Create(false);
        }

        if (Integer().IsMatch(text))
        {
            return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)
                ? JsonValue.Create(integer)
                : JsonValue.Create(double.Parse(text, CultureInfo.InvariantCulture));
        }

        if (Float().IsMatch(text))
        {
            var value = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            return double.IsFinite(value) ? JsonValue.Create(value) : JsonValue.Create(text);
        }

        return JsonValue.Create(text);
    }

    [GeneratedRegex("^(y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$")]
    private static partial Regex BoolTrue();

    [GeneratedRegex("^(n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$")]
    private static partial Regex BoolFalse();

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();
}
