namespace TuneOperator.Api;

/// <summary>Well-known keys of <c>status.metrics</c>.</summary>
public static class MetricNames
{
    /// <summary>Smoothed training loss.</summary>
    public const string TrainLoss = "trainLoss";

    /// <summary>Current learning rate.</summary>
    public const string LearningRate = "learningRate";

    /// <summary>Global gradient norm before clipping.</summary>
    public const string GradNorm = "gradNorm";

    /// <summary>Validation loss.</summary>
    public const string EvalLoss = "evalLoss";

    /// <summary>Validation perplexity.</summary>
    public const string EvalPerplexity = "evalPerplexity";

    /// <summary>Validation accuracy.</summary>
    public const string EvalAccuracy = "evalAccuracy";

    /// <summary>Validation macro F1.</summary>
    public const string EvalF1 = "evalF1";

    /// <summary>Validation macro precision.</summary>
    public const string EvalPrecision = "evalPrecision";

    /// <summary>Validation macro recall.</summary>
    public const string EvalRecall = "evalRecall";

    /// <summary>Fraction of generated answers equal to the reference.</summary>
    public const string ExactMatch = "exactMatch";

    /// <summary>Perplexity on the retention dataset.</summary>
    public const string RetentionPerplexity = "retentionPerplexity";

    /// <summary>Relative regression of the retention perplexity over the one measured before training.</summary>
    public const string RetentionRegression = "retentionRegression";

    /// <summary>Relative loss gap of the bias probe.</summary>
    public const string BiasGap = "biasGap";

    /// <summary>Training rows dropped by preprocessing.</summary>
    public const string DroppedRows = "droppedRows";

    /// <summary>The status.metrics key of an evaluation metric, e.g. evalLoss for loss.</summary>
    public static string ForEvaluation(EvaluationMetric metric) => metric switch
    {
        EvaluationMetric.Loss => EvalLoss,
        EvaluationMetric.Perplexity => EvalPerplexity,
        EvaluationMetric.Accuracy => EvalAccuracy,
        EvaluationMetric.F1 => EvalF1,
        EvaluationMetric.Precision => EvalPrecision,
        EvaluationMetric.Recall => EvalRecall,
        EvaluationMetric.ExactMatch => ExactMatch,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "unknown evaluation metric"),
    };
}
