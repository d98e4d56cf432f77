using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;

namespace TuneOperator.Api.Crds;

/// <summary>
/// Builds the structural OpenAPI v3 schema of an API type by reflection. Field names come from
/// <see cref="JsonPropertyNameAttribute"/>; required fields are the C# <c>required</c> members; constraints come from
/// the attributes in <c>SchemaAttributes.cs</c>; defaults are the property initializers of optional, non-nullable
/// properties (objects initialised with <c>new()</c> default to <c>{}</c>, so their own defaults apply, exactly as the
/// API server defaults them); descriptions come from the XML documentation.
/// </summary>
public sealed class SchemaBuilder(XmlDocumentation? documentation)
{
    /// <summary>Builds the schema of a resource kind (apiVersion, kind, metadata, spec, status).</summary>
    public JsonObject BuildResource(Type resourceType)
    {
        ArgumentNullException.ThrowIfNull(resourceType);
        var schema = new JsonObject();
        AddDescription(schema, documentation?.Of(resourceType));
        schema["type"] = "object";
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var property in JsonProperties(resourceType))
        {
            var name = JsonName(property);
            JsonObject node;
            if (property.PropertyType == typeof(V1ObjectMeta))
            {
                node = new JsonObject();
                AddDescription(node, documentation?.Of(property));
                node["type"] = "object";
            }
            else
            {
                node = BuildProperty(property, inStatus: name == "status", withDefault: false);
            }

            properties[name] = node;
            if (IsRequired(property))
            {
                required.Add((JsonNode)name);
            }
        }

        schema["properties"] = properties;
        if (required.Count > 0)
        {
            schema["required"] = required;
        }

        AddRules(schema, resourceType.GetCustomAttributes<CelRuleAttribute>());
        return schema;
    }

    /// <summary>The properties of <paramref name="type"/> that are serialised, in declaration order.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "The native operator keeps the API types whole (ApiTypes.Roots.xml in the controller project), so the API types keep their properties, fields and constructors; the native-operator test validates jobs with this schema.")]
    public static IEnumerable<PropertyInfo> JsonProperties(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<JsonPropertyNameAttribute>() is not null)
            .OrderBy(DeclarationOrder);
    }

    // Declaration order is the metadata token order; a native (AOT) build has no metadata tokens, and there the
    // order GetProperties gives is kept (the sort is stable). Only the order of schema properties depends on it.
    private static int DeclarationOrder(PropertyInfo property)
    {
        try
        {
            return property.MetadataToken;
        }
        catch (InvalidOperationException)
        {
            return 0;
        }
    }

    /// <summary>The JSON name of a property.</summary>
    public static string JsonName(PropertyInfo property)
    {
        ArgumentNullException.ThrowIfNull(property);
        return property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? property.Name;
    }

    /// <summary>True when the property is a C# <c>required</c> member.</summary>
    public static bool IsRequired(PropertyInfo property)
    {
        ArgumentNullException.ThrowIfNull(property);
        return property.GetCustomAttribute<RequiredMemberAttribute>() is not null;
    }

    /// <summary>The API string of an enum value (its <see cref="JsonStringEnumMemberNameAttribute"/>).</summary>
    public static string EnumName(FieldInfo field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? field.Name;
    }

    private JsonObject BuildProperty(PropertyInfo property, bool inStatus, bool withDefault)
    {
        var where = $"{property.DeclaringType?.Name}.{property.Name}";
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var schema = BuildType(type, property, where, inStatus);
        if (documentation?.Of(property) is { } description)
        {
            schema.Remove("description");
            var ordered = new JsonObject { ["description"] = description };
            foreach (var (key, value) in schema.ToList())
            {
                schema.Remove(key);
                ordered[key] = value;
            }

            schema = ordered;
        }

        if (withDefault && !inStatus && DefaultOf(property) is { } defaultValue)
        {
            schema["default"] = defaultValue;
        }

        AddRules(schema, property.GetCustomAttributes<CelRuleAttribute>());
        return schema;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "The native operator keeps the API types whole (ApiTypes.Roots.xml in the controller project), so the API types keep their properties, fields and constructors; the native-operator test validates jobs with this schema.")]
    private JsonObject BuildType(Type type, PropertyInfo property, string where, bool inStatus)
    {
        var schema = new JsonObject();
        if (type == typeof(string))
        {
            schema["type"] = "string";
            AddStringConstraints(schema, property, where, requireMaxLength: true);
        }
        else if (type == typeof(DateTimeOffset) || type == typeof(DateTime))
        {
            schema["type"] = "string";
            schema["format"] = "date-time";
            AddStringConstraints(schema, property, where, requireMaxLength: false);
        }
        else if (type == typeof(bool))
        {
            schema["type"] = "boolean";
        }
        else if (type == typeof(int) || type == typeof(long))
        {
            schema["type"] = "integer";
            schema["format"] = type == typeof(int) ? "int32" : "int64";
            AddNumberConstraints(schema, property, integer: true);
        }
        else if (type == typeof(double))
        {
            schema["type"] = "number";
            AddNumberConstraints(schema, property, integer: false);
        }
        else if (type.IsEnum)
        {
            schema["type"] = "string";
            schema["enum"] = new JsonArray(type.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Select(f => (JsonNode)JsonValue.Create(EnumName(f))).ToArray());
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            BuildList(schema, type.GetGenericArguments()[0], property, where, inStatus);
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            schema["type"] = "object";
            var maxProperties = property.GetCustomAttribute<MaxPropertiesAttribute>()
                ?? throw new InvalidOperationException($"{where} is a map without [MaxProperties]; every map needs one so CEL costs are bounded.");
            schema["additionalProperties"] = BuildType(type.GetGenericArguments()[1], property, where, inStatus);
            schema["maxProperties"] = maxProperties.Count;
        }
        else if (type == typeof(JsonNode) && property.GetCustomAttribute<PreserveUnknownFieldsAttribute>() is not null)
        {
            schema["x-kubernetes-preserve-unknown-fields"] = true;
        }
        else if (type.IsClass && type.Namespace == typeof(ApiGroup).Namespace)
        {
            BuildObject(schema, type, inStatus);
        }
        else
        {
            throw new InvalidOperationException($"{where} has type {type.Name}, which the CRD generator does not map.");
        }

        return schema;
    }

    private void BuildList(JsonObject schema, Type itemType, PropertyInfo property, string where, bool inStatus)
    {
        schema["type"] = "array";
        var maxItems = property.GetCustomAttribute<MaxItemsAttribute>()
            ?? throw new InvalidOperationException($"{where} is a list without [MaxItems]; every list needs one so CEL costs are bounded.");
        schema["items"] = BuildType(itemType, property, where, inStatus);
        if (property.GetCustomAttribute<MinItemsAttribute>() is { } minItems)
        {
            schema["minItems"] = minItems.Count;
        }

        schema["maxItems"] = maxItems.Count;
        if (property.GetCustomAttribute<ListMapAttribute>() is { } listMap)
        {
            schema["x-kubernetes-list-type"] = "map";
            schema["x-kubernetes-list-map-keys"] = new JsonArray(listMap.Keys.Select(k => (JsonNode)JsonValue.Create(k)).ToArray());
        }
        else if (property.GetCustomAttribute<ListSetAttribute>() is not null)
        {
            schema["x-kubernetes-list-type"] = "set";
        }
    }

    private void BuildObject(JsonObject schema, Type type, bool inStatus)
    {
        AddDescription(schema, documentation?.Of(type));
        schema["type"] = "object";
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var property in JsonProperties(type))
        {
            var name = JsonName(property);
            properties[name] = BuildProperty(property, inStatus, withDefault: true);
            if (IsRequired(property))
            {
                required.Add((JsonNode)name);
            }
        }

        schema["properties"] = properties;
        if (required.Count > 0)
        {
            schema["required"] = required;
        }

        AddRules(schema, type.GetCustomAttributes<CelRuleAttribute>());
    }

    private static void AddStringConstraints(JsonObject schema, PropertyInfo property, string where, bool requireMaxLength)
    {
        if (property.GetCustomAttribute<FormatAttribute>() is { } format)
        {
            schema["format"] = format.Format;
        }

        if (property.GetCustomAttribute<MinLengthAttribute>() is { } minLength)
        {
            schema["minLength"] = minLength.Length;
        }

        var maxLength = property.GetCustomAttribute<MaxLengthAttribute>();
        if (maxLength is not null)
        {
            schema["maxLength"] = maxLength.Length;
        }
        else if (requireMaxLength)
        {
            throw new InvalidOperationException($"{where} is a string without [MaxLength]; every string needs one so CEL costs are bounded.");
        }

        if (property.GetCustomAttribute<PatternAttribute>() is { } pattern)
        {
            schema["pattern"] = pattern.Pattern;
        }
    }

    private static void AddNumberConstraints(JsonObject schema, PropertyInfo property, bool integer)
    {
        if (property.GetCustomAttribute<MinimumAttribute>() is { } minimum)
        {
            schema["minimum"] = Number(minimum.Value, integer);
            if (minimum.Exclusive)
            {
                schema["exclusiveMinimum"] = true;
            }
        }

        if (property.GetCustomAttribute<MaximumAttribute>() is { } maximum)
        {
            schema["maximum"] = Number(maximum.Value, integer);
            if (maximum.Exclusive)
            {
                schema["exclusiveMaximum"] = true;
            }
        }
    }

    private static JsonNode Number(double value, bool integer) =>
        integer || value == Math.Floor(value) ? JsonValue.Create((long)value) : JsonValue.Create(value);

    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "The native operator keeps the API types whole (ApiTypes.Roots.xml in the controller project), so the API types keep their properties, fields and constructors; the native-operator test validates jobs with this schema.")]
    private static JsonNode? DefaultOf(PropertyInfo property)
    {
        if (IsRequired(property) || property.GetCustomAttribute<NoSchemaDefaultAttribute>() is not null)
        {
            return null;
        }

        var type = property.PropertyType;
        if (Nullable.GetUnderlyingType(type) is not null)
        {
            return null;
        }

        if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(List<>) || type.GetGenericTypeDefinition() == typeof(Dictionary<,>)))
        {
            return null;
        }

        var instance = Activator.CreateInstance(property.DeclaringType!);
        var value = property.GetValue(instance);
        if (value is null)
        {
            return null;
        }

        if (type.IsClass && type != typeof(string))
        {
            return new JsonObject();
        }

        return JsonSerializer.SerializeToNode(value, ApiJson.Options.GetTypeInfo(type));
    }

    private static void AddDescription(JsonObject schema, string? description)
    {
        if (description is not null)
        {
            schema["description"] = description;
        }
    }

    private static void AddRules(JsonObject schema, IEnumerable<CelRuleAttribute> rules)
    {
        var list = schema["x-kubernetes-validations"] as JsonArray ?? [];
        foreach (var rule in rules)
        {
            var node = new JsonObject { ["rule"] = rule.Rule, ["message"] = rule.Message };
            if (rule.FieldPath is not null)
            {
                node["fieldPath"] = rule.FieldPath;
            }

            if (rule.Reason is not null)
            {
                node["reason"] = rule.Reason;
            }

            list.Add((JsonNode)node);
        }

        if (list.Count > 0)
        {
            schema["x-kubernetes-validations"] = list;
        }
    }
}
