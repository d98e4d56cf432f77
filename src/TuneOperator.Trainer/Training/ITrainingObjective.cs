using TorchSharp;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Training;

/// <summary>
/// A training objective. Losses are returned as the SUM over the batch's targets so that gradient accumulation can
/// divide by the number of targets of the whole optimizer step: accumulating micro-batches then gives exactly the
/// gradient of one big batch, whatever the number of masked tokens in each.
/// </summary>
public interface ITrainingObjective
{
    /// <summary>The number of targets (unmasked label tokens, or examples) the batch's loss is summed over.</summary>
    long CountTargets(Batch batch);

    /// <summary>Runs the model and returns the fp32 scalar sum of the per-target losses.</summary>
    Tensor LossSum(nn.Module<Tensor, Tensor> model, Batch batch);
}
