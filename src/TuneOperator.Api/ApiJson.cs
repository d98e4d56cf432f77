using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace TuneOperator.Api;

/// <summary>System.Text.Json options for the API types: the declared camelCase names, enums as their API strings,
/// nulls omitted. The API types' contracts come from the source-generated <see cref="ApiJsonContext"/> (so the native
/// operator serializes them without reflection); other types fall back to reflection where the runtime allows it.</summary>
public static class ApiJson
{
    /// <summary>Shared, read-only serializer options.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            PropertyNameCaseInsensitive = false,
            TypeInfoResolver = JsonTypeInfoResolver.Combine(ApiJsonContext.Default, ReflectionFallback()),
        };
        options.MakeReadOnly();
        return options;
    }

    // The same guard System.Text.Json uses for its own default: with reflection disabled (the native operator) the
    // feature switch removes this branch, and only the source-generated contracts remain.
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only reached when reflection-based serialization is enabled (JIT builds).")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only reached when reflection-based serialization is enabled (JIT builds).")]
    private static IJsonTypeInfoResolver? ReflectionFallback() =>
        JsonSerializer.IsReflectionEnabledByDefault ? new DefaultJsonTypeInfoResolver() : null;
}
