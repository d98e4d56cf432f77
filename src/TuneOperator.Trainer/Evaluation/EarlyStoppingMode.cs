namespace TuneOperator.Trainer.Evaluation;

/// <summary>Whether a smaller or a larger metric is better.</summary>
public enum EarlyStoppingMode
{
    /// <summary>Smaller is better (loss, perplexity).</summary>
    Min,

    /// <summary>Larger is better (accuracy, F1, exact match).</summary>
    Max,
}
