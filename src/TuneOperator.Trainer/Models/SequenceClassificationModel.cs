using TorchSharp;
using TorchSharp.Modules;
using TuneOperator.Data.ModelFiles;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>
/// A sequence classifier like Hugging Face's <c>*ForSequenceClassification</c>: a bias-free <c>score</c> linear
/// applied to the hidden state of each row's last non-padding token, giving logits [B, num_labels]. The last token is
/// the last one whose attention mask is non-zero; without a mask, the last one that is not the pad token.
/// </summary>
public sealed class SequenceClassificationModel : LanguageModel
{
    private readonly Linear score;

    /// <summary>Creates the model with <paramref name="backbone"/> built for <paramref name="config"/>.</summary>
    public SequenceClassificationModel(ModelConfig config, DecoderBackbone backbone)
        : base(nameof(SequenceClassificationModel), config, backbone)
    {
        score = nn.Linear(config.HiddenSize, config.NumLabels, hasBias: false);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor Run(Tensor inputIds, Tensor? attentionMask, Tensor? positionIds)
    {
        using var scope = torch.NewDisposeScope();
        var hidden = Backbone.Forward(inputIds, attentionMask, positionIds);
        var batch = inputIds.shape[0];
        var length = inputIds.shape[1];
        var indices = torch.arange(length, dtype: ScalarType.Int64, device: inputIds.device).unsqueeze(0);
        Tensor last;
        if (attentionMask is not null)
        {
            last = (indices * attentionMask.ne(0).to_type(ScalarType.Int64)).argmax(-1);
        }
        else if (Config.PadTokenId is { } pad)
        {
            last = (indices * inputIds.ne(pad).to_type(ScalarType.Int64)).argmax(-1);
        }
        else
        {
            last = torch.full(batch, length - 1, dtype: ScalarType.Int64, device: inputIds.device);
        }

        var gather = last.view(batch, 1, 1).expand(batch, 1, hidden.shape[2]);
        var pooled = hidden.gather(1, gather).squeeze(1);
        return score.forward(pooled).MoveToOuterDisposeScope();
    }
}
