using TorchSharp;

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
public sealed record Batch(torch.Tensor InputIds, torch.Tensor Labels)
{
    /// <summary>The label value that takes no loss.</summary>
    public const long IgnoreIndex = -100;
}
