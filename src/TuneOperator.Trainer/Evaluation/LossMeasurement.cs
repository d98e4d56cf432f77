using TorchSharp;
using TuneOperator.Trainer.Training;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Evaluation;

/// <summary>The summed loss of an objective over one pass of a batch source.</summary>
public static class LossMeasurement
{
    /// <summary>
    /// Runs one epoch of <paramref name="source"/> from its start through <paramref name="model"/> in eval mode
    /// without gradients, one dispose scope per batch.
    /// </summary>
    /// <returns>The loss sum and the number of targets.</returns>
    public static (double LossSum, long Targets) Measure(nn.Module<Tensor, Tensor> model, ITrainingObjective objective, IBatchSource source, CancellationToken cancellationToken)
    {
        model.eval();
        source.Seek(BatchPosition.Start);
        double lossSum = 0;
        long targets = 0;
        using var noGrad = no_grad();
        for (var i = 0; i < source.BatchesPerEpoch; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var batch = source.Next();
            targets += objective.CountTargets(batch);
            lossSum += objective.LossSum(model, batch).item<float>();
        }

        if (targets == 0)
        {
            throw new InvalidOperationException("The evaluation data has no targets (every label is masked); the loss is undefined.");
        }

        return (lossSum, targets);
    }
}
