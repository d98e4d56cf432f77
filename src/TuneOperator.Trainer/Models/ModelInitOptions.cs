using TuneOperator.Data.ModelFiles;

namespace TuneOperator.Trainer.Models;

/// <summary>Sizes of a model trained from scratch (<c>model.init</c>).</summary>
/// <param name="Architecture">llama, mistral, qwen2, smollm (a small Llama) or gpt2.</param>
/// <param name="VocabSize">Vocabulary size; normally the tokenizer's.</param>
/// <param name="HiddenSize">Model width.</param>
/// <param name="Layers">Number of decoder layers.</param>
/// <param name="Heads">Number of attention heads.</param>
/// <param name="KeyValueHeads">Key/value heads for grouped-query attention (Llama family); null: as many as heads.</param>
/// <param name="IntermediateSize">MLP width; null: 4 × hidden for GPT-2, about 8/3 × hidden (multiple of 8) otherwise.</param>
/// <param name="MaxPositions">Maximum sequence length.</param>
/// <param name="TieWordEmbeddings">Whether the output head shares the embedding (always true for GPT-2).</param>
public sealed record ModelInitOptions(
    string Architecture,
    int VocabSize,
    int HiddenSize,
    int Layers,
    int Heads,
    int? KeyValueHeads = null,
    int? IntermediateSize = null,
    int MaxPositions = 512,
    bool TieWordEmbeddings = true)
{
    /// <summary>The config.json these sizes describe; throws naming the field for invalid sizes.</summary>
    public ModelConfig ToConfig(ModelHead head = ModelHead.CausalLM, int numLabels = 2)
    {
        var architecture = Architecture.ToLowerInvariant();
        var modelType = architecture switch
        {
            "llama" or "smollm" => "llama",
            "mistral" => "mistral",
            "qwen2" => "qwen2",
            "gpt2" => "gpt2",
            _ => throw new ArgumentException($"init.architecture '{Architecture}' is not supported; use llama, mistral, qwen2, smollm or gpt2."),
        };
        var gpt2 = modelType == "gpt2";
        var intermediate = IntermediateSize ?? (gpt2 ? 4 * HiddenSize : (((8 * HiddenSize / 3) + 7) / 8) * 8);
        var config = new ModelConfig
        {
            ModelType = modelType,
            Family = gpt2 ? ModelFamily.Gpt2 : ModelFamily.Llama,
            Head = head,
            VocabSize = VocabSize,
            HiddenSize = HiddenSize,
            NumLayers = Layers,
            NumHeads = Heads,
            NumKeyValueHeads = gpt2 ? Heads : KeyValueHeads ?? Heads,
            IntermediateSize = intermediate,
            MaxPositions = MaxPositions,
            NormEps = gpt2 ? 1e-5 : 1e-6,
            RopeTheta = 10000,
            TieWordEmbeddings = gpt2 || TieWordEmbeddings,
            AttentionBias = modelType == "qwen2",
            NumLabels = numLabels,
        };
        try
        {
            config.Validate("init");
        }
        catch (ModelFileException exception)
        {
            throw new ArgumentException(exception.Message, exception);
        }

        return config;
    }
}
