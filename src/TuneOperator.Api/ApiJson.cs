using System.Text.Json;
using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>System.Text.Json options for the API types: the declared camelCase names, enums as their API strings,
/// nulls omitted.</summary>
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
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
