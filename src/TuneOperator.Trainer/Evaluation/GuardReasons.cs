namespace TuneOperator.Trainer.Evaluation;

/// <summary>Failure reasons of the guards (the same constants as the job's condition reasons).</summary>
public static class GuardReasons
{
    /// <summary>The retention perplexity regressed by more than maxRegression.</summary>
    public const string RetentionRegressed = "RetentionRegressed";

    /// <summary>The bias probe's score gap exceeded maxGap.</summary>
    public const string BiasGapExceeded = "BiasGapExceeded";
}
