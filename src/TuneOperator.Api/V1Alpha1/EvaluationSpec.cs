using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>Evaluation during training and the quality gates that can stop a job.</summary>
public sealed record EvaluationSpec
{
    /// <summary>Evaluate on the validation data every this many optimiser steps; unset evaluates at the end of
    /// each epoch.</summary>
    [JsonPropertyName("everySteps")]
    [Minimum(1)]
    [Maximum(100000000)]
    public long? EverySteps { get; set; }

    /// <summary>Metrics computed at each evaluation and published in status.metrics (evalLoss, evalPerplexity,
    /// evalAccuracy, evalPrecision, evalRecall, evalF1, exactMatch): <c>loss</c>, <c>perplexity</c>, <c>accuracy</c>
    /// (token accuracy, or label accuracy for classification), <c>precision</c>, <c>recall</c> and <c>f1</c> (macro
    /// averages, classification only) and <c>exactMatch</c> (generated answers equal to the reference; instruction
    /// and chat data). Default [loss].</summary>
    [JsonPropertyName("metrics")]
    [MinItems(1)]
    [MaxItems(8)]
    [ListSet]
    public List<EvaluationMetric>? Metrics { get; set; }

    /// <summary>Catastrophic-forgetting guard: the loss on a general dataset must not regress much compared with
    /// the base model.</summary>
    [JsonPropertyName("retention")]
    public RetentionSpec? Retention { get; set; }

    /// <summary>Bias probe: the loss gap between groups of paired prompts must stay small.</summary>
    [JsonPropertyName("biasProbe")]
    public BiasProbeSpec? BiasProbe { get; set; }

    /// <summary>Stop when the monitored metric stops improving; the best checkpoint becomes the output.</summary>
    [JsonPropertyName("earlyStopping")]
    public EarlyStoppingSpec? EarlyStopping { get; set; }
}

/// <summary>An evaluation metric.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EvaluationMetric>))]
public enum EvaluationMetric
{
    /// <summary>Mean cross-entropy loss (lower is better).</summary>
    [JsonStringEnumMemberName("loss")]
    Loss,

    /// <summary>exp(loss) (lower is better).</summary>
    [JsonStringEnumMemberName("perplexity")]
    Perplexity,

    /// <summary>Token accuracy, or label accuracy for classification (higher is better).</summary>
    [JsonStringEnumMemberName("accuracy")]
    Accuracy,

    /// <summary>Macro F1 over the labels, classification only (higher is better).</summary>
    [JsonStringEnumMemberName("f1")]
    F1,

    /// <summary>Macro precision over the labels, classification only (higher is better).</summary>
    [JsonStringEnumMemberName("precision")]
    Precision,

    /// <summary>Macro recall over the labels, classification only (higher is better).</summary>
    [JsonStringEnumMemberName("recall")]
    Recall,

    /// <summary>Fraction of greedy-generated answers equal to the reference answer (higher is better).</summary>
    [JsonStringEnumMemberName("exactMatch")]
    ExactMatch,
}

/// <summary>What to do when a quality gate fails.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GateAction>))]
public enum GateAction
{
    /// <summary>Stop the job and mark it Failed (with reason RetentionRegressed or BiasGapExceeded).</summary>
    [JsonStringEnumMemberName("fail")]
    Fail,

    /// <summary>Keep training; record the breach in status.metrics and a Warning event.</summary>
    [JsonStringEnumMemberName("warn")]
    Warn,
}

/// <summary>Catastrophic-forgetting guard.</summary>
public sealed record RetentionSpec
{
    /// <summary>Location of a general-purpose dataset (JSON Lines, completion format {text}) the model must keep
    /// doing well on.</summary>
    [JsonPropertyName("dataset")]
    [MaxLength(1024)]
    [Pattern(Patterns.Location, Example = Patterns.LocationExample)]
    public required string Dataset { get; set; }

    /// <summary>Maximum allowed relative increase of the perplexity on the retention dataset over the one measured
    /// before training, as a fraction: 0.1 allows 10% worse. Default 0.1.</summary>
    [JsonPropertyName("maxRegression")]
    [Minimum(0)]
    [Maximum(10)]
    public double MaxRegression { get; set; } = 0.1;

    /// <summary>What to do when the regression exceeds maxRegression: <c>fail</c> or <c>warn</c>. Default fail.</summary>
    [JsonPropertyName("action")]
    public GateAction Action { get; set; } = GateAction.Fail;
}

/// <summary>Bias probe over groups of paired prompts.</summary>
public sealed record BiasProbeSpec
{
    /// <summary>Location of the probe set (JSON Lines rows {group, text}); the mean loss is computed per group.</summary>
    [JsonPropertyName("dataset")]
    [MaxLength(1024)]
    [Pattern(Patterns.Location, Example = Patterns.LocationExample)]
    public required string Dataset { get; set; }

    /// <summary>Maximum allowed relative gap between the best and worst group's mean loss, as a fraction.
    /// Default 0.05.</summary>
    [JsonPropertyName("maxGap")]
    [Minimum(0)]
    [Maximum(10)]
    public double MaxGap { get; set; } = 0.05;

    /// <summary>What to do when the gap exceeds maxGap: <c>fail</c> or <c>warn</c>. Default fail.</summary>
    [JsonPropertyName("action")]
    public GateAction Action { get; set; } = GateAction.Fail;
}

/// <summary>Early stopping on an evaluation metric.</summary>
public sealed record EarlyStoppingSpec
{
    /// <summary>The monitored metric; it must be computed (see evaluation.metrics). Default loss.</summary>
    [JsonPropertyName("metric")]
    public EvaluationMetric Metric { get; set; } = EvaluationMetric.Loss;

    /// <summary>Evaluations without improvement tolerated before stopping, at least 1. Default 3.</summary>
    [JsonPropertyName("patience")]
    [Minimum(1)]
    [Maximum(1000)]
    public int Patience { get; set; } = 3;

    /// <summary>Smallest change that counts as an improvement. Default 0.</summary>
    [JsonPropertyName("minDelta")]
    [Minimum(0)]
    [Maximum(1000000)]
    public double MinDelta { get; set; }

    /// <summary><c>min</c> when lower is better (loss, perplexity), <c>max</c> when higher is better (accuracy,
    /// precision, recall, f1, exactMatch).
    /// Default min.</summary>
    [JsonPropertyName("mode")]
    public OptimizationMode Mode { get; set; } = OptimizationMode.Min;
}

/// <summary>Direction of improvement of a metric.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OptimizationMode>))]
public enum OptimizationMode
{
    /// <summary>Lower is better.</summary>
    [JsonStringEnumMemberName("min")]
    Min,

    /// <summary>Higher is better.</summary>
    [JsonStringEnumMemberName("max")]
    Max,
}
