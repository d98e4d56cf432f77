using TorchSharp;
using TorchSharp.Modules;
using TuneOperator.Data.ModelFiles;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>
/// A causal language model (<c>LlamaForCausalLM</c>, <c>GPT2LMHeadModel</c>, ...): token ids [B, T] to logits
/// [B, T, V]. With tied embeddings the head reuses the token embedding and has no <c>lm_head.weight</c> of its own.
/// </summary>
/// <remarks>
/// A bf16 model on the CPU computes the head's matrix product in fp32 (weight and hidden states cast up, the logits
/// rounded back to bf16): libtorch's bf16 matrix product on CPUs without bf16 instructions is about 7× slower than
/// fp32 forward and 30× slower backward at the head's shape (vocabulary × hidden, measured with
/// <c>tune-bench-trainer --ops</c>).
/// </remarks>
public sealed class CausalLanguageModel : LanguageModel
{
    private readonly Linear? lm_head;

    /// <summary>Creates the model with <paramref name="backbone"/> built for <paramref name="config"/>.</summary>
    public CausalLanguageModel(ModelConfig config, DecoderBackbone backbone)
        : base(nameof(CausalLanguageModel), config, backbone)
    {
        lm_head = config.TieWordEmbeddings ? null : nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor Run(Tensor inputIds, Tensor? attentionMask, Tensor? positionIds)
    {
        using var scope = torch.NewDisposeScope();
        var hidden = Backbone.Forward(inputIds, attentionMask, positionIds);
        var weight = lm_head is null ? Backbone.TokenEmbedding.weight! : lm_head.weight!;
        var logits = hidden.dtype == ScalarType.BFloat16 && hidden.device_type == DeviceType.CPU
            ? nn.functional.linear(hidden.to_type(ScalarType.Float32), weight.to_type(ScalarType.Float32)).to_type(ScalarType.BFloat16)
            : nn.functional.linear(hidden, weight);
        return logits.MoveToOuterDisposeScope();
    }
}
