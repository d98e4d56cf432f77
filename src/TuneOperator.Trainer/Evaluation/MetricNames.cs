namespace TuneOperator.Trainer.Evaluation;

/// <summary>The names under which the trainer reports metrics (the keys of the job's <c>status.metrics</c>).</summary>
public static class MetricNames
{
    /// <summary>Mean training loss of the step.</summary>
    public const string TrainLoss = "trainLoss";

    /// <summary>Validation loss (mean per target).</summary>
    public const string EvalLoss = "evalLoss";

    /// <summary>Validation perplexity, exp(evalLoss).</summary>
    public const string EvalPerplexity = "evalPerplexity";

    /// <summary>Validation accuracy.</summary>
    public const string EvalAccuracy = "evalAccuracy";

    /// <summary>Validation macro precision.</summary>
    public const string EvalPrecision = "evalPrecision";

    /// <summary>Validation macro recall.</summary>
    public const string EvalRecall = "evalRecall";

    /// <summary>Validation macro F1.</summary>
    public const string EvalF1 = "evalF1";

    /// <summary>Fraction of generated answers equal to the reference.</summary>
    public const string ExactMatch = "exactMatch";

    /// <summary>Perplexity on the retention set.</summary>
    public const string RetentionPerplexity = "retentionPerplexity";

    /// <summary>Relative regression of the retention perplexity over the one measured before training.</summary>
    public const string RetentionRegression = "retentionRegression";

    /// <summary>Score gap of the bias probe.</summary>
    public const string BiasGap = "biasGap";

    /// <summary>The step whose weights were exported: the best evaluation's when early stopping restored them.</summary>
    public const string BestStep = "bestStep";
}
