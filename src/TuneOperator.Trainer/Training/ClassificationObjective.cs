using TorchSharp;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Training;

/// <summary>Cross-entropy of class logits [batch, classes] against class indices [batch].</summary>
public sealed class ClassificationObjective : ILogitObjective
{
    /// <inheritdoc />
    public long CountTargets(Batch batch) => batch.Labels.shape[0];

    /// <inheritdoc />
    public Tensor LossSum(nn.Module<Tensor, Tensor> model, Batch batch)
        => LossSumFromLogits(batch.Logits(model), batch.Labels);

    /// <inheritdoc />
    public Tensor LossSumFromLogits(Tensor logits, Tensor labels)
        => nn.functional.cross_entropy(TargetLogits(logits, labels).to_type(ScalarType.Float32), labels, reduction: nn.Reduction.Sum);

    /// <inheritdoc />
    public Tensor TargetLogits(Tensor logits, Tensor labels)
    {
        if (logits.dim() != 2 || logits.shape[0] != labels.shape[0])
        {
            throw new ArgumentException($"A classifier must return logits [batch, classes] for {labels.shape[0]} labels; got [{string.Join(", ", logits.shape)}].", nameof(logits));
        }

        return logits;
    }
}
