using System.Text.Json.Nodes;

namespace TuneOperator.Testing.Schema;

/// <summary>Checks a CRD version's schema the way kube-apiserver does when the CRD is created or updated:
/// structural-schema rules, defaults, list types, metadata restrictions and every <c>x-kubernetes-validations</c>
/// rule. Error paths start at <c>openAPIV3Schema</c>.</summary>
internal sealed class SchemaLinter(CelRuleSet rules)
{
    private static readonly string[] ForbiddenKeywords =
    [
        "$ref", "additionalItems", "patternProperties", "dependencies", "definitions", "id", "$schema",
    ];

    private static readonly HashSet<string> Reasons =
    [
        "FieldValueInvalid", "FieldValueForbidden", "FieldValueRequired", "FieldValueDuplicate",
    ];

    private readonly List<ValidationError> errors = [];

    public IReadOnlyList<ValidationError> Lint(JsonObject root)
    {
        if (root.Type() != "object")
        {
            errors.Add(new ValidationError("openAPIV3Schema.type", ValidationErrorType.Invalid, Quote(root.Type() ?? ""), "must be object at the root"));
        }

        if (root.Property("metadata") is { } metadata)
        {
            LintMetadata(metadata, "openAPIV3Schema.properties[metadata]");
        }

        Visit(root, "openAPIV3Schema", isRoot: true, correlatable: true, ancestorsUnbounded: []);
        return errors;
    }

    private static string Quote(string s) => JsonText.Quote(s);

    private void Add(string path, ValidationErrorType type, string? value, string detail) =>
        errors.Add(new ValidationError(path, type, value, detail));

    private void Visit(JsonObject schema, string path, bool isRoot, bool correlatable, IReadOnlyList<string> ancestorsUnbounded)
    {
        if (schema.Type() is null && !schema.IntOrString() && !schema.PreserveUnknown())
        {
            Add(path + ".type", ValidationErrorType.Required, null, "must not be empty for specified object fields");
        }

        if (schema.Type() is { } type && type is not ("object" or "array" or "string" or "integer" or "number" or "boolean"))
        {
            Add(path + ".type", ValidationErrorType.NotSupported, Quote(type), "supported values: \"array\", \"boolean\", \"integer\", \"number\", \"object\", \"string\"");
        }

        foreach (var keyword in ForbiddenKeywords.Where(schema.ContainsKey))
        {
            Add(path + "." + keyword, ValidationErrorType.Forbidden, null, $"{keyword} is not allowed in a structural schema");
        }

        if (schema.Flag("uniqueItems"))
        {
            Add(path + ".uniqueItems", ValidationErrorType.Forbidden, null, "uniqueItems cannot be set to true since the runtime complexity becomes quadratic (use x-kubernetes-list-type: set)");
        }

        if (schema.Properties() is not null && schema["additionalProperties"] is not null)
        {
            Add(path + ".additionalProperties", ValidationErrorType.Forbidden, null, "additionalProperties and properties are mutual exclusive");
        }

        if (schema.Type() == "array" && schema.Items() is null)
        {
            Add(path + ".items", ValidationErrorType.Required, null, "must be specified");
        }

        if (schema.Type() is { } t && t != "object" && (schema.Properties() is not null || schema["additionalProperties"] is not null))
        {
            Add(path + ".properties", ValidationErrorType.Forbidden, null, $"must not be specified for type {t}");
        }

        LintEnum(schema, path);
        LintDefault(schema, path);
        LintListType(schema, path);
        LintRules(schema, path, isRoot, correlatable, ancestorsUnbounded);

        if (schema.Properties() is { } properties)
        {
            foreach (var (name, child) in properties)
            {
                if (isRoot && name == "metadata")
                {
                    continue;
                }

                if (child is JsonObject childSchema)
                {
                    Visit(childSchema, $"{path}.properties[{name}]", false, correlatable, ancestorsUnbounded);
                }
            }
        }

        if (schema["additionalProperties"] is JsonObject valueSchema)
        {
            var unbounded = schema.Long("maxProperties") is null
                ? [.. ancestorsUnbounded, $"{path} (a map without maxProperties)"]
                : ancestorsUnbounded;
            Visit(valueSchema, path + ".additionalProperties", false, correlatable, unbounded);
        }

        if (schema.Items() is { } items)
        {
            var unbounded = schema.Long("maxItems") is null
                ? [.. ancestorsUnbounded, $"{path} (an array without maxItems)"]
                : ancestorsUnbounded;
            Visit(items, path + ".items", false, correlatable && schema.ListType() == "map", unbounded);
        }
    }

    private void LintMetadata(JsonObject metadata, string path)
    {
        var allowedTop = new HashSet<string> { "type", "properties", "description" };
        var extra = metadata.Select(p => p.Key).Where(k => !allowedTop.Contains(k)).ToList();
        var properties = metadata.Properties();
        var extraProperties = properties?.Select(p => p.Key).Where(k => k is not ("name" or "generateName")).ToList() ?? [];
        if (metadata.Type() is not (null or "object") || extra.Count > 0 || extraProperties.Count > 0)
        {
            Add(path, ValidationErrorType.Forbidden, null, "must not specify anything other than name and generateName, but metadata is implicitly specified");
        }

        foreach (var (name, node) in properties ?? [])
        {
            if (name is not ("name" or "generateName") || node is not JsonObject nameSchema)
            {
                continue;
            }

            var allowed = new HashSet<string> { "type", "maxLength", "minLength", "pattern", "description", "x-kubernetes-validations" };
            if (nameSchema.Type() != "string" || nameSchema.Any(p => !allowed.Contains(p.Key)))
            {
                Add($"{path}.properties[{name}]", ValidationErrorType.Forbidden, null, "must only restrict the string (type: string, maxLength, minLength, pattern)");
            }
        }
    }

    private void LintEnum(JsonObject schema, string path)
    {
        if (schema["enum"] is not JsonArray values)
        {
            return;
        }

        var typeOnly = new JsonObject();
        foreach (var key in new[] { "type", "nullable", "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields", "format" })
        {
            if (schema[key] is { } v)
            {
                typeOnly[key] = v.DeepClone();
            }
        }

        for (var i = 0; i < values.Count; i++)
        {
            var walker = new SchemaWalker(new CelRuleSet());
            walker.Validate(values[i]?.DeepClone(), typeOnly, "", null, false, false, false);
            foreach (var error in walker.Errors)
            {
                Add($"{path}.enum[{i}]", ValidationErrorType.Invalid, SchemaWalker.Show(values[i]), error.Detail.Replace("body", "enum value", StringComparison.Ordinal));
            }
        }
    }

    private void LintDefault(JsonObject schema, string path)
    {
        if (!schema.TryGetPropertyValue("default", out var value))
        {
            return;
        }

        if (value is null && !schema.Nullable())
        {
            Add(path + ".default", ValidationErrorType.Invalid, "\"null\"", "a null default requires nullable: true");
            return;
        }

        var copy = value?.DeepClone();
        var walker = new SchemaWalker(rules);
        walker.Normalize(copy, schema, "", isRoot: false);
        walker.Validate(copy, schema, "", null, false, false, false);
        foreach (var error in walker.Errors)
        {
            var detail = error.Type == ValidationErrorType.UnknownField
                ? $"must not have unknown fields: {error.Field}"
                : error.ToString();
            Add(path + ".default", ValidationErrorType.Invalid, SchemaWalker.Show(value), detail);
        }
    }

    private void LintListType(JsonObject schema, string path)
    {
        var listType = schema.ListType();
        var keys = schema.ListMapKeys();
        if (listType is not null && listType is not ("atomic" or "set" or "map"))
        {
            Add(path + ".x-kubernetes-list-type", ValidationErrorType.NotSupported, Quote(listType), "supported values: \"atomic\", \"map\", \"set\"");
        }

        if (listType is not null && schema.Type() != "array")
        {
            Add(path + ".x-kubernetes-list-type", ValidationErrorType.Invalid, Quote(listType), "must only be used on type: array");
        }

        if (keys.Count > 0 && listType != "map")
        {
            Add(path + ".x-kubernetes-list-map-keys", ValidationErrorType.Forbidden, null, "must only be used with x-kubernetes-list-type: map");
        }

        var items = schema.Items();
        if (listType == "set" && items is not null && items.Type() is "object" or "array"
            && !(items["x-kubernetes-map-type"] is JsonValue mt && mt.TryGetValue<string>(out var m) && m == "atomic"))
        {
            Add(path + ".items.type", ValidationErrorType.Invalid, Quote(items.Type()!), "must be a scalar (or an atomic object) for x-kubernetes-list-type: set");
        }

        if (listType != "map")
        {
            return;
        }

        if (keys.Count == 0)
        {
            Add(path + ".x-kubernetes-list-map-keys", ValidationErrorType.Required, null, "must not be empty if x-kubernetes-list-type is map");
        }

        if (items is null || items.Type() != "object")
        {
            Add(path + ".items.type", ValidationErrorType.Invalid, Quote(items?.Type() ?? ""), "must be object if x-kubernetes-list-type is map");
            return;
        }

        foreach (var key in keys)
        {
            var keySchema = items.Property(key);
            if (keySchema is null)
            {
                Add(path + ".x-kubernetes-list-map-keys", ValidationErrorType.Invalid, Quote(key), "entries must all be names of item properties");
                continue;
            }

            if (keySchema.Type() is not ("string" or "integer" or "number" or "boolean"))
            {
                Add($"{path}.items.properties[{key}].type", ValidationErrorType.Invalid, Quote(keySchema.Type() ?? ""), "must be a scalar type if parent array is a list map");
            }

            if (!items.Required().Contains(key) && keySchema["default"] is null)
            {
                Add(path + ".x-kubernetes-list-map-keys", ValidationErrorType.Invalid, Quote(key), "all map keys must be required or have a default value");
            }
        }
    }

    private void LintRules(JsonObject schema, string path, bool isRoot, bool correlatable, IReadOnlyList<string> ancestorsUnbounded)
    {
        var list = rules.For(schema);
        for (var i = 0; i < list.Count; i++)
        {
            var rule = list[i];
            var rulePath = $"{path}.x-kubernetes-validations[{i}]";
            if (rule.Rule.Trim().Length == 0)
            {
                Add(rulePath + ".rule", ValidationErrorType.Required, null, "rule is not specified");
                continue;
            }

            if (rule.Expression is null)
            {
                Add(rulePath + ".rule", ValidationErrorType.Invalid, Quote(rule.Rule), $"compilation failed: {rule.ParseError}");
                continue;
            }

            var (problems, costProblems) = CelChecker.Check(rule.Expression, schema, isRoot, correlatable);
            foreach (var problem in problems)
            {
                Add(rulePath + ".rule", ValidationErrorType.Invalid, Quote(rule.Rule), $"compilation failed: {problem}");
            }

            foreach (var problem in costProblems)
            {
                Add(rulePath + ".rule", ValidationErrorType.Forbidden, null, $"estimated rule cost may exceed the budget: {problem}; add a bound (maxLength, maxItems or maxProperties)");
            }

            foreach (var ancestor in ancestorsUnbounded)
            {
                Add(rulePath + ".rule", ValidationErrorType.Forbidden, null, $"estimated rule cost may exceed the budget: the rule runs once per item of {ancestor}; add a bound");
            }

            if (rule.MessageExpressionError is not null)
            {
                Add(rulePath + ".messageExpression", ValidationErrorType.Invalid, null, $"compilation failed: {rule.MessageExpressionError}");
            }
            else if (rule.MessageExpression is not null)
            {
                var (messageProblems, _) = CelChecker.Check(rule.MessageExpression, schema, isRoot, correlatable);
                foreach (var problem in messageProblems)
                {
                    Add(rulePath + ".messageExpression", ValidationErrorType.Invalid, null, $"compilation failed: {problem}");
                }
            }

            if (rule.Message is { } message && (message.Trim().Length == 0 || message.Contains('\n', StringComparison.Ordinal)))
            {
                Add(rulePath + ".message", ValidationErrorType.Invalid, Quote(message), "message must be non-empty and must not contain line breaks");
            }

            if (rule.Reason is { } reason && !Reasons.Contains(reason))
            {
                Add(rulePath + ".reason", ValidationErrorType.NotSupported, Quote(reason), "supported values: \"FieldValueDuplicate\", \"FieldValueForbidden\", \"FieldValueInvalid\", \"FieldValueRequired\"");
            }

            if (rule.FieldPath is { } fieldPath && !ResolvesIn(schema, fieldPath))
            {
                Add(rulePath + ".fieldPath", ValidationErrorType.Invalid, Quote(fieldPath), "fieldPath must be a valid path to a field of the schema, such as .spec.replicas or .labels['key']");
            }

            if (rule.OptionalOldSelf)
            {
                var detail = rule.IsTransition
                    ? "optionalOldSelf is not supported by this validator; rewrite the rule without it"
                    : "may not be set on a rule that does not refer to oldSelf";
                Add(rulePath + ".optionalOldSelf", ValidationErrorType.Forbidden, null, detail);
            }
        }
    }

    private static bool ResolvesIn(JsonObject schema, string fieldPath)
    {
        if (!fieldPath.StartsWith('.') && !fieldPath.StartsWith('['))
        {
            return false;
        }

        var current = schema;
        var i = 0;
        while (i < fieldPath.Length)
        {
            string segment;
            var index = false;
            if (fieldPath[i] == '.')
            {
                var start = ++i;
                while (i < fieldPath.Length && fieldPath[i] != '.' && fieldPath[i] != '[')
                {
                    i++;
                }

                segment = fieldPath[start..i];
            }
            else if (fieldPath[i] == '[')
            {
                var close = fieldPath.IndexOf(']', i);
                if (close < 0)
                {
                    return false;
                }

                segment = fieldPath[(i + 1)..close];
                index = segment.Length > 0 && segment.All(char.IsAsciiDigit);
                segment = segment.Trim('\'', '"');
                i = close + 1;
            }
            else
            {
                return false;
            }

            JsonObject? next = index ? current.Items()
                : current.IsMap() ? current.AdditionalProperties()
                : current.Property(segment);
            if (next is null)
            {
                return current.IsDynamic() || current.PreserveUnknown();
            }

            current = next;
        }

        return true;
    }
}
