using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>A trained model: exactly one of <c>source</c> (a location) or <c>fromJob</c> (a job's output).</summary>
[CelRule("has(self.source) != has(self.fromJob)", "exactly one of source or fromJob must be set")]
public sealed record ModelReference
{
    /// <summary>Location of a model in Hugging Face layout: <c>pvc://&lt;claim&gt;/&lt;path&gt;</c> or
    /// <c>file:///&lt;path&gt;</c>.</summary>
    [JsonPropertyName("source")]
    [MaxLength(1024)]
    [Pattern(Patterns.Location, Example = Patterns.LocationExample)]
    public string? Source { get; set; }

    /// <summary>Name of a FineTuneJob in the same namespace whose output is used once it has succeeded.</summary>
    [JsonPropertyName("fromJob")]
    [MaxLength(253)]
    [Pattern(Patterns.ObjectName)]
    public string? FromJob { get; set; }
}
