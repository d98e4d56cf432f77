using System.Text.Json.Nodes;

namespace TuneOperator.Testing.Schema;

/// <summary>Validates custom resources against one version of an apiextensions.k8s.io/v1 CustomResourceDefinition
/// the way kube-apiserver does (pruning with strict unknown-field errors, defaulting, OpenAPI validation, CEL rules,
/// ratcheting on update), and checks the CRD itself with <see cref="Lint"/>.</summary>
public sealed class CrdValidator
{
    private readonly CelRuleSet rules = new();

    private CrdValidator(string group, string version, string kind, JsonObject schema)
    {
        Group = group;
        Version = version;
        Kind = kind;
        Schema = schema;
    }

    /// <summary>The API group (<c>spec.group</c>).</summary>
    public string Group { get; }

    /// <summary>The version whose schema is used.</summary>
    public string Version { get; }

    /// <summary>The kind (<c>spec.names.kind</c>).</summary>
    public string Kind { get; }

    /// <summary>The version's <c>openAPIV3Schema</c>.</summary>
    public JsonObject Schema { get; }

    /// <summary>Reads a CRD. <paramref name="version"/> picks a version by name; null picks the storage version.</summary>
    /// <exception cref="ArgumentException">The CRD lacks spec.group, spec.names.kind, the version or its schema.</exception>
    public static CrdValidator FromCrd(JsonNode crd, string? version = null)
    {
        var spec = crd["spec"] as JsonObject ?? throw new ArgumentException("the CRD has no spec", nameof(crd));
        var group = spec["group"]?.GetValue<string>() ?? throw new ArgumentException("the CRD has no spec.group", nameof(crd));
        var kind = spec["names"]?["kind"]?.GetValue<string>() ?? throw new ArgumentException("the CRD has no spec.names.kind", nameof(crd));
        var versions = (spec["versions"] as JsonArray ?? throw new ArgumentException("the CRD has no spec.versions", nameof(crd)))
            .OfType<JsonObject>().ToList();
        var chosen = version is null
            ? versions.FirstOrDefault(v => v["storage"] is JsonValue s && s.TryGetValue<bool>(out var b) && b) ?? versions.FirstOrDefault()
            : versions.FirstOrDefault(v => v["name"]?.GetValue<string>() == version);
        if (chosen is null)
        {
            var names = string.Join(", ", versions.Select(v => v["name"]?.GetValue<string>()));
            throw new ArgumentException($"the CRD has no version '{version}' (versions: {names})", nameof(version));
        }

        var name = chosen["name"]?.GetValue<string>() ?? "";
        var schema = chosen["schema"]?["openAPIV3Schema"] as JsonObject
            ?? throw new ArgumentException($"spec.versions[{name}].schema.openAPIV3Schema is missing", nameof(crd));
        var copy = (JsonObject)schema.DeepClone();
        Materialize(copy);
        return new CrdValidator(group, name, kind, copy);
    }

    /// <summary>Enumerates every node once so that later concurrent reads never race on lazy initialization.</summary>
    private static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    Materialize(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Materialize(child);
                }

                break;
        }
    }

    /// <summary>Validates <paramref name="obj"/> (a create when <paramref name="oldObj"/> is null, else an update).
    /// The input is not modified; <see cref="ValidationResult.Object"/> is the pruned and defaulted copy. Safe to
    /// call from several threads at once.</summary>
    public ValidationResult Validate(JsonNode obj, JsonNode? oldObj = null)
    {
        // Re-parse rather than clone: values built in code (JsonValue.Create) then look exactly like values read from a
        // request body, which is what the API server sees.
        var copy = Reparse(obj);
        var walker = new SchemaWalker(rules);
        CheckTypeMeta(copy, walker);
        walker.Normalize(copy, Schema, "", isRoot: true);
        JsonNode? oldCopy = null;
        if (oldObj is not null)
        {
            oldCopy = Reparse(oldObj);
            new SchemaWalker(rules).Normalize(oldCopy, Schema, "", isRoot: true);
        }

        walker.Validate(copy, Schema, "", oldCopy, oldCopy is not null, ratchet: false, isRoot: true);
        return new ValidationResult(copy, walker.Errors.ToList());
    }

    private void CheckTypeMeta(JsonNode obj, SchemaWalker walker)
    {
        var expected = Group + "/" + Version;
        if (obj["apiVersion"] is not JsonValue a || !a.TryGetValue<string>(out var apiVersion) || apiVersion != expected)
        {
            AddTypeMetaError(walker, "apiVersion", obj["apiVersion"], $"must be {expected}");
        }

        if (obj["kind"] is not JsonValue k || !k.TryGetValue<string>(out var kind) || kind != Kind)
        {
            AddTypeMetaError(walker, "kind", obj["kind"], $"must be {Kind}");
        }
    }

    private static void AddTypeMetaError(SchemaWalker walker, string field, JsonNode? value, string detail) =>
        walker.AddError(value is null
            ? new ValidationError(field, ValidationErrorType.Required, null, detail)
            : new ValidationError(field, ValidationErrorType.Invalid, SchemaWalker.Show(value), detail));

    /// <summary>Checks the CRD version's schema as kube-apiserver does at CRD creation: structural-schema rules,
    /// defaults, list-type declarations, and every CEL rule (syntax, fields that exist, <c>oldSelf</c> only where
    /// transition rules are allowed, and a conservative cost check).</summary>
    public IReadOnlyList<ValidationError> Lint() => new SchemaLinter(rules).Lint(Schema);

    private static JsonNode Reparse(JsonNode node) => JsonNode.Parse(node.ToJsonString()) ?? throw new ArgumentException("the object is JSON null", nameof(node));
}
