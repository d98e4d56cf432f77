using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>Source-generated JSON contracts of the API resources and everything they contain (used by
/// <see cref="ApiJson.Options"/>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FineTuneJob))]
[JsonSerializable(typeof(FineTuneSweep))]
[JsonSerializable(typeof(ModelDeployment))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(bool))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
