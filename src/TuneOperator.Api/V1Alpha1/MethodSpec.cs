using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>Which parameters are trained: all (<c>full</c>), low-rank adapters (<c>lora</c>), or all but the first
/// layers (<c>freeze</c>).</summary>
[CelRule("(has(self.type) && self.type == 'lora') == has(self.lora)", "lora must be set exactly when type is lora",
    FieldPath = ".lora")]
[CelRule("(has(self.type) && self.type == 'freeze') == has(self.freeze)", "freeze must be set exactly when type is freeze",
    FieldPath = ".freeze")]
public sealed record MethodSpec
{
    /// <summary>Training method: <c>full</c>, <c>lora</c> or <c>freeze</c>. Default full.</summary>
    [JsonPropertyName("type")]
    public MethodType Type { get; set; } = MethodType.Full;

    /// <summary>LoRA settings; required when type is lora.</summary>
    [JsonPropertyName("lora")]
    public LoraSpec? Lora { get; set; }

    /// <summary>Layer freezing settings; required when type is freeze.</summary>
    [JsonPropertyName("freeze")]
    public FreezeSpec? Freeze { get; set; }
}

/// <summary>A training method.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MethodType>))]
public enum MethodType
{
    /// <summary>Train every parameter.</summary>
    [JsonStringEnumMemberName("full")]
    Full,

    /// <summary>Train low-rank adapters on selected linear layers; the base weights stay frozen.</summary>
    [JsonStringEnumMemberName("lora")]
    Lora,

    /// <summary>Freeze the first layers (and optionally the embeddings) and train the rest.</summary>
    [JsonStringEnumMemberName("freeze")]
    Freeze,
}

/// <summary>Low-rank adaptation (LoRA): W' = W + (alpha / rank) · B·A on each target module.</summary>
public sealed record LoraSpec
{
    /// <summary>Rank r of the adapter matrices, 1 to 256. Default 8.</summary>
    [JsonPropertyName("rank")]
    [Minimum(1)]
    [Maximum(256)]
    public int Rank { get; set; } = 8;

    /// <summary>Scaling numerator alpha; the update is scaled by alpha / rank. Default 16.</summary>
    [JsonPropertyName("alpha")]
    [Minimum(0, Exclusive = true)]
    [Maximum(4096)]
    public double Alpha { get; set; } = 16.0;

    /// <summary>Dropout applied to the adapter input during training, 0 to 0.9. Default 0.05.</summary>
    [JsonPropertyName("dropout")]
    [Minimum(0)]
    [Maximum(0.9)]
    public double Dropout { get; set; } = 0.05;

    /// <summary>Names of the linear modules that get adapters, matched against the last part of the module path
    /// (Hugging Face names), e.g. [q_proj, v_proj] for llama or [c_attn] for gpt2. Default: the attention query
    /// and value projections of the architecture.</summary>
    [JsonPropertyName("targetModules")]
    [MinItems(1)]
    [MaxItems(32)]
    [ListSet]
    [MaxLength(128)]
    [Pattern(Patterns.ModuleName)]
    public List<string>? TargetModules { get; set; }
}

/// <summary>Freeze the first layers of the model.</summary>
public sealed record FreezeSpec
{
    /// <summary>Number of transformer layers, counted from the input, whose weights stay frozen; must be lower
    /// than the model's number of layers.</summary>
    [JsonPropertyName("layers")]
    [Minimum(1)]
    [Maximum(512)]
    public required int Layers { get; set; }

    /// <summary>Also freeze the token (and position) embeddings. Default true.</summary>
    [JsonPropertyName("embeddings")]
    public bool Embeddings { get; set; } = true;
}
