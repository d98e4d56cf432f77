using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>Desired state of a ModelDeployment.</summary>
public sealed record ModelDeploymentSpec
{
    /// <summary>The model to serve: a location or a FineTuneJob's output. Changing it starts a canary rollout.</summary>
    [JsonPropertyName("model")]
    public required ModelReference Model { get; set; }

    /// <summary>Number of serving replicas, 0 to 64. Default 1.</summary>
    [JsonPropertyName("replicas")]
    [Minimum(0)]
    [Maximum(64)]
    public int Replicas { get; set; } = 1;

    /// <summary>The trainer image, run in serve mode.</summary>
    [JsonPropertyName("trainer")]
    public TrainerSpec Trainer { get; set; } = new();

    /// <summary>Compute resources and scheduling of the serving pods.</summary>
    [JsonPropertyName("resources")]
    public ResourcesSpec Resources { get; set; } = new();

    /// <summary>Maximum new tokens per generation request. Default 256.</summary>
    [JsonPropertyName("maxNewTokens")]
    [Minimum(1)]
    [Maximum(32768)]
    public int MaxNewTokens { get; set; } = 256;

    /// <summary>How a new model is rolled out; unset replaces the model on all replicas at once.</summary>
    [JsonPropertyName("rollout")]
    public RolloutSpec? Rollout { get; set; }
}

/// <summary>Canary rollout of a new model.</summary>
public sealed record RolloutSpec
{
    /// <summary>Canary steps in order, with increasing traffic weights, e.g. [{weight: 10, pause: 5m}, {weight: 50,
    /// pause: 10m}]. After the last step the canary is promoted to stable.</summary>
    [JsonPropertyName("steps")]
    [MinItems(1)]
    [MaxItems(16)]
    [CelRule("self.map(s, s.weight).isSorted()", "canary step weights must not decrease from one step to the next")]
    public required List<CanaryStep> Steps { get; set; }

    /// <summary>The gate checked during every step; a failed check rolls back to the stable model.</summary>
    [JsonPropertyName("analysis")]
    public AnalysisSpec? Analysis { get; set; }
}

/// <summary>One canary step.</summary>
public sealed record CanaryStep
{
    /// <summary>Percent of requests sent to the canary during this step, 1 to 100.</summary>
    [JsonPropertyName("weight")]
    [Minimum(1)]
    [Maximum(100)]
    public required int Weight { get; set; }

    /// <summary>How long the step lasts before the next one, e.g. <c>30s</c>, <c>5m</c>, <c>1h</c>. Default 1m.</summary>
    [JsonPropertyName("pause")]
    [MaxLength(32)]
    [Pattern(Patterns.Duration, Example = "a duration such as 30s, 5m or 1h30m")]
    public string Pause { get; set; } = "1m";
}

/// <summary>The analysis gate of a canary rollout. Unset bounds are not checked.</summary>
[CelRule("!has(self.minEvalScore) || has(self.evalDataset)", "minEvalScore needs evalDataset", FieldPath = ".evalDataset",
    Reason = "FieldValueRequired")]
public sealed record AnalysisSpec
{
    /// <summary>Maximum fraction of failed canary requests, 0 to 1, e.g. 0.01.</summary>
    [JsonPropertyName("maxErrorRate")]
    [Minimum(0)]
    [Maximum(1)]
    public double? MaxErrorRate { get; set; }

    /// <summary>Maximum 99th-percentile canary request latency in milliseconds.</summary>
    [JsonPropertyName("maxLatencyP99Ms")]
    [Minimum(1)]
    [Maximum(3600000)]
    public int? MaxLatencyP99Ms { get; set; }

    /// <summary>Minimum eval score (token accuracy on evalDataset, 0 to 1) the canary must reach.</summary>
    [JsonPropertyName("minEvalScore")]
    [Minimum(0)]
    [Maximum(1)]
    public double? MinEvalScore { get; set; }

    /// <summary>Location of the dataset (JSON Lines) the eval score is computed on; required with minEvalScore.</summary>
    [JsonPropertyName("evalDataset")]
    [MaxLength(1024)]
    [Pattern(Patterns.Location, Example = Patterns.LocationExample)]
    public string? EvalDataset { get; set; }

    /// <summary>Minimum number of canary requests before error rate and latency are judged. Default 20.</summary>
    [JsonPropertyName("minRequests")]
    [Minimum(1)]
    [Maximum(1000000)]
    public int MinRequests { get; set; } = 20;
}
