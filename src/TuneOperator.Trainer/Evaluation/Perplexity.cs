namespace TuneOperator.Trainer.Evaluation;

/// <summary>Perplexity from cross-entropy.</summary>
public static class Perplexity
{
    /// <summary>exp(mean loss); the mean loss is in nats per target.</summary>
    public static double FromMeanLoss(double meanLoss) => Math.Exp(meanLoss);

    /// <summary>exp(total loss / targets).</summary>
    public static double FromLossSum(double lossSum, long targets)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targets);
        return Math.Exp(lossSum / targets);
    }
}
