using TorchSharp;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Training;

/// <summary>
/// Next-token cross-entropy: the logits at position t predict the label at t+1; labels equal to
/// <see cref="Batch.IgnoreIndex"/> take no loss. Response-only training is the same loss with the prompt's labels
/// masked by the data pipeline.
/// </summary>
public sealed class CausalLanguageModelObjective : ILogitObjective
{
    /// <inheritdoc />
    public long CountTargets(Batch batch)
    {
        using var scope = NewDisposeScope();
        return ShiftedLabels(batch.Labels).ne(Batch.IgnoreIndex).sum().item<long>();
    }

    /// <inheritdoc />
    public Tensor LossSum(nn.Module<Tensor, Tensor> model, Batch batch)
        => LossSumFromLogits(batch.Logits(model), batch.Labels);

    /// <inheritdoc />
    public Tensor LossSumFromLogits(Tensor logits, Tensor labels)
    {
        var vocabulary = logits.shape[^1];
        var predictions = ShiftedLogits(logits).reshape(-1, vocabulary).to_type(ScalarType.Float32);
        var targets = ShiftedLabels(labels).reshape(-1);
        return nn.functional.cross_entropy(predictions, targets, ignore_index: Batch.IgnoreIndex, reduction: nn.Reduction.Sum);
    }

    /// <inheritdoc />
    public Tensor TargetLogits(Tensor logits, Tensor labels)
    {
        var vocabulary = logits.shape[^1];
        var predictions = ShiftedLogits(logits).reshape(-1, vocabulary);
        var rows = ShiftedLabels(labels).reshape(-1).ne(Batch.IgnoreIndex).nonzero().squeeze(1);
        return predictions.index_select(0, rows);
    }

    private static Tensor ShiftedLogits(Tensor logits)
    {
        if (logits.dim() != 3)
        {
            throw new ArgumentException($"A causal language model must return logits [batch, time, vocabulary]; got [{string.Join(", ", logits.shape)}].", nameof(logits));
        }

        return logits[.., ..^1, ..];
    }

    private static Tensor ShiftedLabels(Tensor labels) => labels[.., 1..];
}
