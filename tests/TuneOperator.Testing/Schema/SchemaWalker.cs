using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TuneOperator.Testing.Schema;

/// <summary>Walks an object against a structural schema the way kube-apiserver handles a custom resource:
/// first pruning (unknown fields reported as strict field validation does, nulls of non-nullable fields dropped) and
/// defaulting, then OpenAPI validation and the <c>x-kubernetes-validations</c> rules of every node. On update, a
/// subtree equal to its old value is ratcheted: only its transition rules are checked.</summary>
internal sealed class SchemaWalker(CelRuleSet rules)
{
    private static readonly HashSet<string> ObjectMetaFields =
    [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
        "managedFields",
    ];

    private static readonly Regex Dns1123Subdomain = new(
        "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant);

    private readonly List<ValidationError> errors = [];

    public IReadOnlyList<ValidationError> Errors => errors;

    public void AddError(ValidationError error) => errors.Add(error);

    /// <summary>Prunes unknown fields and nulls of non-nullable fields, then applies defaults, recursively.</summary>
    public void Normalize(JsonNode? node, JsonObject schema, string path, bool isRoot)
    {
        switch (node)
        {
            case JsonObject obj when schema.IsMap():
                var valueSchema = schema.AdditionalProperties()!;
                foreach (var (key, value) in obj.ToList())
                {
                    Normalize(value, valueSchema, FieldPath.Key(path, key), false);
                }

                break;
            case JsonObject obj:
                NormalizeObject(obj, schema, path, isRoot);
                break;
            case JsonArray array when schema.Items() is { } items:
                for (var i = 0; i < array.Count; i++)
                {
                    Normalize(array[i], items, FieldPath.Index(path, i), false);
                }

                break;
        }
    }

    private void NormalizeObject(JsonObject obj, JsonObject schema, string path, bool isRoot)
    {
        var properties = schema.Properties();
        foreach (var (key, value) in obj.ToList())
        {
            if ((isRoot || schema.Flag("x-kubernetes-embedded-resource")) && key is "apiVersion" or "kind" or "metadata")
            {
                if (key == "metadata" && value is JsonObject metadata)
                {
                    foreach (var field in metadata.Select(p => p.Key).Where(k => !ObjectMetaFields.Contains(k)).ToList())
                    {
                        errors.Add(new ValidationError(FieldPath.Child(FieldPath.Child(path, "metadata"), field), ValidationErrorType.UnknownField, null, ""));
                        metadata.Remove(field);
                    }
                }

                continue;
            }

            var propertySchema = properties?[key] as JsonObject;
            if (propertySchema is null)
            {
                if (!schema.PreserveUnknown())
                {
                    errors.Add(new ValidationError(FieldPath.Child(path, key), ValidationErrorType.UnknownField, null, ""));
                    obj.Remove(key);
                }

                continue;
            }

            if (value is null && !propertySchema.Nullable())
            {
                obj.Remove(key);
            }
        }

        if (properties is null)
        {
            return;
        }

        foreach (var (name, propertyNode) in properties)
        {
            if (propertyNode is not JsonObject propertySchema)
            {
                continue;
            }

            // The API server validates an object's own apiVersion, kind and metadata itself (handled above); the
            // schema's `metadata: {type: object}` must not prune ObjectMeta's fields.
            if ((isRoot || schema.Flag("x-kubernetes-embedded-resource")) && name is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }

            if (!obj.ContainsKey(name) && propertySchema["default"] is { } defaultValue)
            {
                obj[name] = defaultValue.DeepClone();
            }

            if (obj[name] is { } child)
            {
                Normalize(child, propertySchema, FieldPath.Child(path, name), false);
            }
        }
    }

    /// <summary>Validates <paramref name="node"/> against <paramref name="schema"/>; <paramref name="old"/> is the
    /// correlated old value when <paramref name="hasOld"/>.</summary>
    public void Validate(JsonNode? node, JsonObject schema, string path, JsonNode? old, bool hasOld, bool ratchet, bool isRoot)
    {
        ratchet = ratchet || (hasOld && JsonNode.DeepEquals(node, old));
        if (isRoot)
        {
            ValidateRootMetadata(node as JsonObject, schema, ratchet);
        }

        if (!ValidateLocal(node, schema, path, ratchet))
        {
            return;
        }

        switch (node)
        {
            case JsonObject obj when schema.IsMap():
                var valueSchema = schema.AdditionalProperties()!;
                foreach (var (key, value) in obj)
                {
                    var oldValue = hasOld && old is JsonObject oldMap && oldMap.TryGetPropertyValue(key, out var ov) ? ov : null;
                    var correlated = hasOld && old is JsonObject o && o.ContainsKey(key);
                    Validate(value, valueSchema, FieldPath.Key(path, key), oldValue, correlated, ratchet, false);
                }

                break;
            case JsonObject obj when schema.Properties() is { } properties:
                foreach (var (key, value) in obj)
                {
                    if (isRoot && key is "apiVersion" or "kind" or "metadata")
                    {
                        continue;
                    }

                    if (properties[key] is JsonObject propertySchema)
                    {
                        var correlated = hasOld && old is JsonObject o && o.ContainsKey(key);
                        Validate(value, propertySchema, FieldPath.Child(path, key), correlated ? old![key] : null, correlated, ratchet, false);
                    }
                }

                break;
            case JsonArray array when schema.Items() is { } items:
                var isMapList = schema.ListType() == "map";
                var keys = schema.ListMapKeys();
                for (var i = 0; i < array.Count; i++)
                {
                    JsonNode? oldItem = null;
                    var correlated = false;
                    if (hasOld && isMapList && old is JsonArray oldArray)
                    {
                        oldItem = oldArray.FirstOrDefault(o => ListMapKey(o, keys) == ListMapKey(array[i], keys));
                        correlated = oldItem is not null;
                    }

                    Validate(array[i], items, FieldPath.Index(path, i), oldItem, correlated, ratchet, false);
                }

                break;
        }

        EvaluateRules(node, schema, path, old, hasOld, ratchet, isRoot);
    }

    private void Add(bool ratchet, ValidationError error)
    {
        if (!ratchet)
        {
            errors.Add(error);
        }
    }

    private static string InBody(string path) => path.Length == 0 ? "body" : path + " in body";

    /// <summary>Renders a value for an error message: strings quoted, numbers and booleans as JSON, containers by type.</summary>
    public static string Show(JsonNode? node) => node switch
    {
        null => "\"null\"",
        JsonObject => "\"object\"",
        JsonArray => "\"array\"",
        _ => JsonText.Render(node),
    };

    private static string JsonTypeOf(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => IsInteger(v) ? "integer" : "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            _ => "null",
        },
        _ => "unknown",
    };

    private static bool IsInteger(JsonValue v) =>
        v.TryGetLong(out _);

    /// <summary>Checks the keywords of this node; returns false when the value's type is wrong (nothing below is checked).</summary>
    private bool ValidateLocal(JsonNode? node, JsonObject schema, string path, bool ratchet)
    {
        var actual = JsonTypeOf(node);
        if (node is null)
        {
            if (!schema.Nullable() && !schema.IsDynamic())
            {
                Add(ratchet, new ValidationError(path, ValidationErrorType.Invalid, "\"null\"", $"{InBody(path)} must be of type {schema.Type() ?? "object"}: \"null\""));
            }

            return false;
        }

        if (schema.IntOrString())
        {
            if (actual is not ("integer" or "string"))
            {
                Add(ratchet, new ValidationError(path, ValidationErrorType.Invalid, Show(node), $"{InBody(path)} must be of type integer or string: \"{actual}\""));
                return false;
            }
        }
        else if (schema.Type() is { } expected)
        {
            var ok = expected switch
            {
                "integer" => actual == "integer",
                "number" => actual is "integer" or "number",
                _ => actual == expected,
            };
            if (!ok)
            {
                Add(ratchet, new ValidationError(path, ValidationErrorType.Invalid, Show(node), $"{InBody(path)} must be of type {expected}: \"{actual}\""));
                return false;
            }
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, node)))
        {
            var supported = string.Join(", ", allowed.Select(JsonText.Render));
            Add(ratchet, new ValidationError(path, ValidationErrorType.NotSupported, Show(node), $"supported values: {supported}"));
        }

        switch (node)
        {
            case JsonValue value:
                ValidateScalar(value, schema, path, ratchet);
                break;
            case JsonArray array:
                ValidateArray(array, schema, path, ratchet);
                break;
            case JsonObject obj:
                ValidateObject(obj, schema, path, ratchet);
                break;
        }

        return true;
    }

    private void ValidateScalar(JsonValue value, JsonObject schema, string path, bool ratchet)
    {
        if (schema.Format() is { } format && !SchemaFormats.IsValid(format, value))
        {
            Add(ratchet, new ValidationError(path, ValidationErrorType.Invalid, Show(value), $"{InBody(path)} must be of type {format}: {Show(value)}"));
        }

        if (value.TryGetValue<string>(out var s))
        {
            var length = s.EnumerateRunes().Count();
            if (schema.Long("maxLength") is { } maxLength && length > maxLength)
            {
                Add(ratchet, new ValidationError(path, ValidationErrorType.TooLong, null, $"may not be more than {maxLength} bytes"));
            }

            if (schema.Long("minLength") is { } minLength && length < minLength)
            {
                Add(ratchet, new ValidationError(path, ValidationErrorType.Invalid, Show(value), $"{InBody(path)} should be at least {minLength} chars long"));
            }

            if (schema["pattern"] is JsonValue p && p.TryGetValue<string>(out var pattern))
            {
                var regex = CelRegex.TryCreate(pattern, TimeSpan.FromSeconds(1), out var problem);
                if (regex is null)
                {
                    Add(ratchet, new ValidationError(path, ValidationErrorType.Invalid, Show(value), $"the schema pattern '{pattern}' is not a valid regular expression: {problem}"));
                }
                else if (!regex.IsMatch(s))
                {
                    Add(ratchet, new ValidationError(path, ValidationErrorType.Invalid, Show(value), $"{InBody(path)} should match '{pattern}'"));
                }
            }
        }
        else if (value.GetValueKind() == JsonValueKind.Number)
        {
            var d = value.GetDouble();
            var shown = value.ToJsonString();
            if (schema.Double("maximum") is { } max)
            {
                if (schema.Flag("exclusiveMaximum") ? d >= max : d > max)
                {
                    var relation = schema.Flag("exclusiveMaximum") ? "less than" : "less than or equal to";
                    Add(ratchet, new ValidationError(path, ValidationErrorType.Invalid, shown, $"{InBody(path)} should be {relation} {FormatNumber(max)}"));
                }
            }

            if (schema.Double("minimum") is { } min)
            {
                if (schema.Flag("exclusiveMinimum") ? d <= min : d < min)
                {
                    var relation = schema.Flag("exclusiveMinimum") ? "greater than" : "greater than or equal to";
                    Add(ratchet, new ValidationError(path, ValidationErrorType.Invalid, shown, $"{InBody(path)} should be {relation} {FormatNumber(min)}"));
                }
            }

            if (schema.Double("multipleOf") is { } factor && factor > 0)
            {
                var quotient = d / factor;
                if (Math.Abs(quotient - Math.Round(quotient)) > 1e-9)
                {
                    Add(ratchet, new ValidationError(path, ValidationErrorType.Invalid, shown, $"{InBody(path)} should be a multiple of {FormatNumber(factor)}"));
                }
            }
        }
    }

    private static string FormatNumber(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    private void ValidateArray(JsonArray array, JsonObject schema, string path, bool ratchet)
    {
        if (schema.Long("maxItems") is { } maxItems && array.Count > maxItems)
        {
            Add(ratchet, new ValidationError(path, ValidationErrorType.TooMany, array.Count.ToString(CultureInfo.InvariantCulture), $"must have at most {maxItems} items"));
        }

        if (schema.Long("minItems") is { } minItems && array.Count < minItems)
        {
            Add(ratchet, new ValidationError(path, ValidationErrorType.Invalid, array.Count.ToString(CultureInfo.InvariantCulture), $"{InBody(path)} should have at least {minItems} items"));
        }

        switch (schema.ListType())
        {
            case "set":
                for (var i = 0; i < array.Count; i++)
                {
                    if (array.Take(i).Any(earlier => JsonNode.DeepEquals(earlier, array[i])))
                    {
                        Add(ratchet, new ValidationError(FieldPath.Index(path, i), ValidationErrorType.Duplicate, Show(array[i]), ""));
                    }
                }

                break;
            case "map":
                var keys = schema.ListMapKeys();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is not JsonObject item)
                    {
                        continue;
                    }

                    if (!seen.Add(ListMapKey(item, keys)))
                    {
                        var shown = "{" + string.Join(",", keys.Select(k => $"{JsonText.Quote(k)}:{JsonText.Render(item[k])}")) + "}";
                        Add(ratchet, new ValidationError(FieldPath.Index(path, i), ValidationErrorType.Duplicate, shown, ""));
                    }
                }

                break;
        }
    }

    private static string ListMapKey(JsonNode? item, IReadOnlyList<string> keys) =>
        string.Join("\u0000", keys.Select(k => (item as JsonObject)?[k]?.ToJsonString() ?? "<absent>"));

    private void ValidateObject(JsonObject obj, JsonObject schema, string path, bool ratchet)
    {
        foreach (var name in schema.Required())
        {
            if (!obj.ContainsKey(name))
            {
                Add(ratchet, new ValidationError(FieldPath.Child(path, name), ValidationErrorType.Required, null, ""));
            }
        }

        if (schema.Long("maxProperties") is { } maxProperties && obj.Count > maxProperties)
        {
            Add(ratchet, new ValidationError(path, ValidationErrorType.TooMany, obj.Count.ToString(CultureInfo.InvariantCulture), $"must have at most {maxProperties} items"));
        }

        if (schema.Long("minProperties") is { } minProperties && obj.Count < minProperties)
        {
            Add(ratchet, new ValidationError(path, ValidationErrorType.Invalid, obj.Count.ToString(CultureInfo.InvariantCulture), $"{InBody(path)} should have at least {minProperties} properties"));
        }
    }

    private void ValidateRootMetadata(JsonObject? root, JsonObject schema, bool ratchet)
    {
        if (root is null)
        {
            return;
        }

        var metadata = root["metadata"] as JsonObject;
        var name = metadata?["name"] is JsonValue n && n.TryGetValue<string>(out var s) ? s : null;
        var generateName = metadata?["generateName"] is JsonValue g && g.TryGetValue<string>(out var gs) ? gs : null;
        if (string.IsNullOrEmpty(name))
        {
            if (string.IsNullOrEmpty(generateName))
            {
                Add(ratchet, new ValidationError("metadata.name", ValidationErrorType.Required, null, "name or generateName is required"));
            }

            return;
        }

        if (name.Length > 253 || !Dns1123Subdomain.IsMatch(name))
        {
            Add(ratchet, new ValidationError("metadata.name", ValidationErrorType.Invalid, JsonText.Quote(name),
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"));
        }

        if (schema.Property("metadata")?.Property("name") is { } nameSchema)
        {
            ValidateLocal(metadata!["name"], nameSchema, "metadata.name", ratchet);
        }
    }

    private void EvaluateRules(JsonNode? node, JsonObject schema, string path, JsonNode? old, bool hasOld, bool ratchet, bool isRoot)
    {
        var list = rules.For(schema);
        if (list.Count == 0)
        {
            return;
        }

        object? self = null;
        object? oldSelf = null;
        var converted = false;
        foreach (var rule in list)
        {
            if (rule.Expression is null)
            {
                Add(ratchet, new ValidationError(path, ValidationErrorType.Invalid, Show(node), $"rule compile error: {rule.ParseError}: {rule.Rule}"));
                continue;
            }

            if (rule.IsTransition ? !hasOld && !rule.OptionalOldSelf : ratchet)
            {
                continue;
            }

            if (!converted)
            {
                self = CelJson.ToCel(node, schema, isRoot);
                oldSelf = hasOld ? CelJson.ToCel(old, schema, isRoot) : null;
                converted = true;
            }

            var variables = new Dictionary<string, object?>(StringComparer.Ordinal) { ["self"] = self };
            if (rule.IsTransition)
            {
                variables["oldSelf"] = rule.OptionalOldSelf ? (hasOld ? new CelOptional(true, oldSelf) : CelOptional.None) : oldSelf;
            }

            var scope = new CelScope(variables);
            var result = CelInterpreter.Eval(rule.Expression.Root, scope);
            if (result is true)
            {
                continue;
            }

            var type = schema.Type() ?? (node is JsonValue ? JsonTypeOf(node) : "object");
            if (result is CelError error)
            {
                errors.Add(new ValidationError(path, ValidationErrorType.Invalid, $"\"{type}\"", $"{error.Message} evaluating rule: {rule.Rule}"));
                continue;
            }

            if (result is not false)
            {
                errors.Add(new ValidationError(path, ValidationErrorType.Invalid, $"\"{type}\"", $"rule did not evaluate to a bool: {rule.Rule}"));
                continue;
            }

            var message = rule.Message?.Trim() ?? $"failed rule: {rule.Rule.Trim()}";
            if (rule.MessageExpression is not null
                && CelInterpreter.Eval(rule.MessageExpression.Root, scope) is string custom
                && custom.Trim().Length > 0
                && !custom.Contains('\n', StringComparison.Ordinal))
            {
                message = custom;
            }

            var errorPath = rule.FieldPath is null ? path : FieldPath.AppendRelative(path, rule.FieldPath);
            errors.Add(rule.Reason switch
            {
                "FieldValueForbidden" => new ValidationError(errorPath, ValidationErrorType.Forbidden, null, message),
                "FieldValueRequired" => new ValidationError(errorPath, ValidationErrorType.Required, null, message),
                "FieldValueDuplicate" => new ValidationError(errorPath, ValidationErrorType.Duplicate, $"\"{type}\"", message),
                _ => new ValidationError(errorPath, ValidationErrorType.Invalid, $"\"{type}\"", message),
            });
        }
    }
}
