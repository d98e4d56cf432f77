namespace TuneOperator.Api;

/// <summary>Maximum length of a string field, or of each string item of a list or value of a map (OpenAPI <c>maxLength</c>). Every string in the API carries one so that
/// the Kubernetes CEL cost estimator can bound the rules that read it.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxLengthAttribute(int length) : Attribute
{
    /// <summary>The maximum number of characters.</summary>
    public int Length { get; } = length;
}

/// <summary>Minimum length of a string field (OpenAPI <c>minLength</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MinLengthAttribute(int length) : Attribute
{
    /// <summary>The minimum number of characters.</summary>
    public int Length { get; } = length;
}

/// <summary>Maximum number of items of a list field (OpenAPI <c>maxItems</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxItemsAttribute(int count) : Attribute
{
    /// <summary>The maximum number of items.</summary>
    public int Count { get; } = count;
}

/// <summary>Minimum number of items of a list field (OpenAPI <c>minItems</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MinItemsAttribute(int count) : Attribute
{
    /// <summary>The minimum number of items.</summary>
    public int Count { get; } = count;
}

/// <summary>Maximum number of entries of a map field (OpenAPI <c>maxProperties</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxPropertiesAttribute(int count) : Attribute
{
    /// <summary>The maximum number of entries.</summary>
    public int Count { get; } = count;
}

/// <summary>Lower bound of a numeric field (OpenAPI <c>minimum</c>, optionally <c>exclusiveMinimum</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MinimumAttribute(double value) : Attribute
{
    /// <summary>The bound.</summary>
    public double Value { get; } = value;

    /// <summary>When true the bound itself is not allowed.</summary>
    public bool Exclusive { get; init; }
}

/// <summary>Upper bound of a numeric field (OpenAPI <c>maximum</c>, optionally <c>exclusiveMaximum</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaximumAttribute(double value) : Attribute
{
    /// <summary>The bound.</summary>
    public double Value { get; } = value;

    /// <summary>When true the bound itself is not allowed.</summary>
    public bool Exclusive { get; init; }
}

/// <summary>Regular expression a string field (or each string item of a list, value of a map) must match (OpenAPI <c>pattern</c>, ECMA-262 syntax that .NET also
/// understands).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PatternAttribute(string pattern) : Attribute
{
    /// <summary>The regular expression.</summary>
    public string Pattern { get; } = pattern;

    /// <summary>A human description of the expected form, used in error messages (e.g. "pvc://claim/path").</summary>
    public string? Example { get; init; }
}

/// <summary>OpenAPI <c>format</c> of a string field (e.g. <c>date-time</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FormatAttribute(string format) : Attribute
{
    /// <summary>The format name.</summary>
    public string Format { get; } = format;
}

/// <summary>Marks a field whose content is not described by the schema (<c>x-kubernetes-preserve-unknown-fields</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PreserveUnknownFieldsAttribute : Attribute;

/// <summary>Marks a field whose default value (the C# property initializer) must not be written into the schema,
/// for example because it is computed by the operator.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NoSchemaDefaultAttribute : Attribute;

/// <summary>Declares a list as a map keyed by the given fields (<c>x-kubernetes-list-type: map</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListMapAttribute(params string[] keys) : Attribute
{
    /// <summary>The key fields of each item.</summary>
    public IReadOnlyList<string> Keys { get; } = keys;
}

/// <summary>A CEL validation rule (<c>x-kubernetes-validations</c>) on a type or a property. The C# validators mirror
/// every rule so that local mode rejects the same manifests as the API server.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, AllowMultiple = true)]
public sealed class CelRuleAttribute(string rule, string message) : Attribute
{
    /// <summary>The CEL expression; <c>self</c> is the value of the annotated node.</summary>
    public string Rule { get; } = rule;

    /// <summary>The message returned when the rule fails.</summary>
    public string Message { get; } = message;

    /// <summary>Optional JSON path, relative to the annotated node, of the field the error is reported on
    /// (e.g. <c>.lora</c>).</summary>
    public string? FieldPath { get; init; }

    /// <summary>Optional machine-readable reason (<c>FieldValueInvalid</c>, <c>FieldValueForbidden</c>,
    /// <c>FieldValueRequired</c>, <c>FieldValueDuplicate</c>).</summary>
    public string? Reason { get; init; }
}

/// <summary>An additional printer column shown by <c>kubectl get</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class PrinterColumnAttribute(string name, string type, string jsonPath) : Attribute
{
    /// <summary>The column header.</summary>
    public string Name { get; } = name;

    /// <summary>The OpenAPI type of the column (string, integer, number, boolean, date).</summary>
    public string Type { get; } = type;

    /// <summary>The JSON path of the value, e.g. <c>.status.phase</c>.</summary>
    public string JsonPath { get; } = jsonPath;

    /// <summary>Column description.</summary>
    public string? Description { get; init; }

    /// <summary>0 shows the column by default, higher values only with <c>-o wide</c>.</summary>
    public int Priority { get; init; }
}

/// <summary>Names of a custom resource kind as registered in its CustomResourceDefinition.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ResourceNamesAttribute(string kind, string plural, string singular, params string[] shortNames) : Attribute
{
    /// <summary>The kind, e.g. FineTuneJob.</summary>
    public string Kind { get; } = kind;

    /// <summary>The plural resource name, e.g. finetunejobs.</summary>
    public string Plural { get; } = plural;

    /// <summary>The singular resource name, e.g. finetunejob.</summary>
    public string Singular { get; } = singular;

    /// <summary>Short names, e.g. ftj.</summary>
    public IReadOnlyList<string> ShortNames { get; } = shortNames;
}

/// <summary>Declares a list of scalars as a set: items must be unique (<c>x-kubernetes-list-type: set</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListSetAttribute : Attribute;
