using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>Architecture and sizes of a model trained from scratch.</summary>
[CelRule("self.hiddenSize % self.heads == 0", "hiddenSize must be a multiple of heads", FieldPath = ".hiddenSize")]
[CelRule("!has(self.kvHeads) || self.heads % self.kvHeads == 0", "heads must be a multiple of kvHeads",
    FieldPath = ".kvHeads")]
[CelRule("self.architecture != 'gpt2' || !has(self.kvHeads) || self.kvHeads == self.heads",
    "gpt2 has no grouped-query attention: leave kvHeads unset or equal to heads", FieldPath = ".kvHeads")]
public sealed record ModelInit
{
    /// <summary>Architecture family: <c>llama</c> (RMSNorm, RoPE, grouped-query attention, SwiGLU; also covers
    /// Mistral, Qwen2 and SmolLM style models) or <c>gpt2</c>.</summary>
    [JsonPropertyName("architecture")]
    public required ModelArchitecture Architecture { get; set; }

    /// <summary>Vocabulary size; must cover every id of the tokenizer.</summary>
    [JsonPropertyName("vocabSize")]
    [Minimum(2)]
    [Maximum(1048576)]
    public required int VocabSize { get; set; }

    /// <summary>Width of the hidden states (embedding dimension), e.g. 576.</summary>
    [JsonPropertyName("hiddenSize")]
    [Minimum(1)]
    [Maximum(65536)]
    public required int HiddenSize { get; set; }

    /// <summary>Number of transformer layers.</summary>
    [JsonPropertyName("layers")]
    [Minimum(1)]
    [Maximum(512)]
    public required int Layers { get; set; }

    /// <summary>Number of attention heads; hiddenSize must be a multiple of it.</summary>
    [JsonPropertyName("heads")]
    [Minimum(1)]
    [Maximum(1024)]
    public required int Heads { get; set; }

    /// <summary>Number of key/value heads for grouped-query attention (llama only); defaults to heads.</summary>
    [JsonPropertyName("kvHeads")]
    [Minimum(1)]
    [Maximum(1024)]
    public int? KvHeads { get; set; }

    /// <summary>Width of the feed-forward layer; defaults to 4 × hiddenSize for gpt2 and about 8/3 × hiddenSize for
    /// llama.</summary>
    [JsonPropertyName("intermediateSize")]
    [Minimum(1)]
    [Maximum(262144)]
    public int? IntermediateSize { get; set; }

    /// <summary>Longest sequence the model supports (context length).</summary>
    [JsonPropertyName("maxPositionEmbeddings")]
    [Minimum(1)]
    [Maximum(1048576)]
    public int MaxPositionEmbeddings { get; set; } = 2048;

    /// <summary>Location of a <c>tokenizer.json</c> (or a folder holding one) to use with the new model,
    /// e.g. <c>pvc://models/tokenizers/llama3</c>.</summary>
    [JsonPropertyName("tokenizer")]
    [MaxLength(1024)]
    [Pattern(Patterns.Location, Example = Patterns.LocationExample)]
    public required string Tokenizer { get; set; }
}

/// <summary>A model architecture family.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModelArchitecture>))]
public enum ModelArchitecture
{
    /// <summary>Llama family: RMSNorm, rotary position embeddings, grouped-query attention, SwiGLU.</summary>
    [JsonStringEnumMemberName("llama")]
    Llama,

    /// <summary>GPT-2: LayerNorm, learned position embeddings, GELU MLP.</summary>
    [JsonStringEnumMemberName("gpt2")]
    Gpt2,
}
