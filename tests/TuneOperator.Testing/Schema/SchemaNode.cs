using System.Text.Json.Nodes;

namespace TuneOperator.Testing.Schema;

/// <summary>Accessors over an OpenAPI v3 schema node held as a <see cref="JsonObject"/>.</summary>
internal static class SchemaNode
{
    public static string? Type(this JsonObject schema) => schema["type"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static bool Flag(this JsonObject schema, string name) =>
        schema[name] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    public static bool IntOrString(this JsonObject schema) => schema.Flag("x-kubernetes-int-or-string");

    public static bool PreserveUnknown(this JsonObject schema) => schema.Flag("x-kubernetes-preserve-unknown-fields");

    public static bool Nullable(this JsonObject schema) => schema.Flag("nullable");

    public static JsonObject? Properties(this JsonObject schema) => schema["properties"] as JsonObject;

    public static JsonObject? Property(this JsonObject schema, string name) => schema.Properties()?[name] as JsonObject;

    public static JsonObject? Items(this JsonObject schema) => schema["items"] as JsonObject;

    /// <summary>The schema of map values when <c>additionalProperties</c> is a schema (or true: any value).</summary>
    public static JsonObject? AdditionalProperties(this JsonObject schema) => schema["additionalProperties"] switch
    {
        JsonObject o => o,
        JsonValue v when v.TryGetValue<bool>(out var b) && b => [],
        _ => null,
    };

    public static string? Format(this JsonObject schema) => schema["format"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static string? ListType(this JsonObject schema) =>
        schema["x-kubernetes-list-type"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static IReadOnlyList<string> ListMapKeys(this JsonObject schema) =>
        schema["x-kubernetes-list-map-keys"] is JsonArray a ? [.. a.Select(k => k?.GetValue<string>() ?? "")] : [];

    public static long? Long(this JsonObject schema, string name)
    {
        if (schema[name] is not JsonValue v)
        {
            return null;
        }

        return v.TryGetLong(out var l) ? l : null;
    }

    public static double? Double(this JsonObject schema, string name) =>
        schema[name] is JsonValue v && v.IsNumber() ? v.GetDouble() : null;

    public static IReadOnlyList<string> Required(this JsonObject schema) =>
        schema["required"] is JsonArray a ? [.. a.Select(k => k?.GetValue<string>() ?? "")] : [];

    /// <summary>True when the node is an object with declared properties (a struct, not a map).</summary>
    public static bool IsStruct(this JsonObject schema) => schema.Properties() is not null;

    /// <summary>True when the node is a map: an object with additionalProperties and no properties.</summary>
    public static bool IsMap(this JsonObject schema) => schema.Properties() is null && schema.AdditionalProperties() is not null;

    /// <summary>True when values below this node are untyped (preserved unknown fields without a declared shape).</summary>
    public static bool IsDynamic(this JsonObject schema) =>
        schema.IntOrString() || (schema.PreserveUnknown() && schema.Properties() is null && schema.AdditionalProperties() is null && schema.Items() is null);
}
