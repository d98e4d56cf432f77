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

    /// <summary>Loss on the retention dataset.</summary>
    public const string RetentionLoss = "retentionLoss";

    /// <summary>Relative regression of the retention loss over the base model.</summary>
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
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "unknown evaluation metric"),
    };
}
