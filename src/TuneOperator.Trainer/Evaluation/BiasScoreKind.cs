namespace TuneOperator.Trainer.Evaluation;

/// <summary>How the bias probe scores one input.</summary>
public enum BiasScoreKind
{
    /// <summary>A classifier's softmax probability of the positive class.</summary>
    PositiveClassProbability,

    /// <summary>
    /// A causal language model's mean per-token log-likelihood of the sequence (each token given the ones before
    /// it), so variants of different token lengths compare fairly.
    /// </summary>
    MeanTokenLogLikelihood,
}
