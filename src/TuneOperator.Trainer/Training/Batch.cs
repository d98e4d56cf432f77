using TorchSharp;
using TuneOperator.Trainer.Models;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Training;

/// <summary>
/// One batch of training or evaluation data. The tensors belong to the dispose scope that was current when the batch
/// was made (the training step's scope).
/// </summary>
/// <param name="InputIds">Token ids, int64 [batch, time].</param>
/// <param name="Labels">
/// For language modelling int64 [batch, time], aligned with <paramref name="InputIds"/> (the loss predicts
/// label t+1 from position t, as in Hugging Face), with <see cref="IgnoreIndex"/> where no loss is taken (padding,
/// and the prompt for response-only training); for classification int64 [batch] class indices.
/// </param>
/// <param name="Segments">
/// Optional int64 [batch, time]: 0 on padding, otherwise the 1-based id of the document a token belongs to. Set for
/// packed rows (and left padding) so a token attends only to earlier tokens of its own document; null means plain
/// causal attention over the whole row.
/// </param>
/// <param name="PositionIds">Optional int64 [batch, time] positions restarting at 0 for each document; used with <paramref name="Segments"/>.</param>
public sealed record Batch(Tensor InputIds, Tensor Labels, Tensor? Segments = null, Tensor? PositionIds = null)
{
    /// <summary>The label value that takes no loss.</summary>
    public const long IgnoreIndex = -100;

    /// <summary>
    /// Runs <paramref name="model"/> on the batch: with <see cref="Segments"/>, through
    /// <see cref="LanguageModel.Run"/> with the segment mask and positions; otherwise on the ids alone.
    /// </summary>
    /// <exception cref="InvalidOperationException">The batch has segments but the model cannot take a mask.</exception>
    public Tensor Logits(nn.Module<Tensor, Tensor> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Segments is null)
        {
            return model.call(InputIds);
        }

        return model is LanguageModel language
            ? language.Run(InputIds, Segments, PositionIds)
            : throw new InvalidOperationException($"The batch holds packed documents (segment ids), which {model.GetType().Name} cannot keep apart; use a LanguageModel or turn packing off.");
    }
}
