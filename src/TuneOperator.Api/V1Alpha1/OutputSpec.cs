using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>Where and how the trained model is written.</summary>
public sealed record OutputSpec
{
    /// <summary>Location of the output folder (Hugging Face layout), e.g. <c>pvc://models/support-bot-v1</c>. It
    /// is written atomically with a manifest of sha256 digests.</summary>
    [JsonPropertyName("location")]
    [MinLength(1)]
    [MaxLength(1024)]
    [Pattern(Patterns.Location, Example = Patterns.LocationExample)]
    public required string Location { get; set; }

    /// <summary><c>merged</c> writes a full model (LoRA adapters merged into the weights); <c>adapter</c> writes only
    /// the LoRA adapter in PEFT's layout (adapter_config.json, adapter_model.safetensors; lora only). Default
    /// merged.</summary>
    [JsonPropertyName("format")]
    public OutputFormat Format { get; set; } = OutputFormat.Merged;
}

/// <summary>Output format.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OutputFormat>))]
public enum OutputFormat
{
    /// <summary>A complete model.</summary>
    [JsonStringEnumMemberName("merged")]
    Merged,

    /// <summary>A PEFT LoRA adapter only.</summary>
    [JsonStringEnumMemberName("adapter")]
    Adapter,
}
