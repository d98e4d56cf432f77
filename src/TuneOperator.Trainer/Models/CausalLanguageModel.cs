using TorchSharp;
using TorchSharp.Modules;
using TuneOperator.Data.ModelFiles;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>
/// A causal language model (<c>LlamaForCausalLM</c>, <c>GPT2LMHeadModel</c>, ...): token ids [B, T] to logits
/// [B, T, V]. With tied embeddings the head reuses the token embedding and has no <c>lm_head.weight</c> of its own.
/// </summary>
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
        var logits = lm_head is null ? nn.functional.linear(hidden, Backbone.TokenEmbedding.weight!) : lm_head.forward(hidden);
        return logits.MoveToOuterDisposeScope();
    }
}
