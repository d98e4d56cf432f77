using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>Observed state of a ModelDeployment.</summary>
public sealed record ModelDeploymentStatus
{
    /// <summary>The metadata.generation this status was computed from.</summary>
    [JsonPropertyName("observedGeneration")]
    [Minimum(0)]
    public long? ObservedGeneration { get; set; }

    /// <summary>Summary phase.</summary>
    [JsonPropertyName("phase")]
    public DeploymentPhase? Phase { get; set; }

    /// <summary>Conditions: Ready, Reconciling, Stalled, Running, AnalysisPassing.</summary>
    [JsonPropertyName("conditions")]
    [MaxItems(16)]
    [ListMap("type")]
    public List<Condition>? Conditions { get; set; }

    /// <summary>The model being rolled out (the canary), or the stable model when no rollout is in progress.</summary>
    [JsonPropertyName("currentModel")]
    public ModelArtifact? CurrentModel { get; set; }

    /// <summary>The model serving the stable traffic.</summary>
    [JsonPropertyName("stableModel")]
    public ModelArtifact? StableModel { get; set; }

    /// <summary>Index of the current canary step (0-based); unset when no rollout is in progress.</summary>
    [JsonPropertyName("canaryStep")]
    [Minimum(0)]
    public int? CanaryStep { get; set; }

    /// <summary>Percent of traffic currently sent to the canary.</summary>
    [JsonPropertyName("canaryWeight")]
    [Minimum(0)]
    [Maximum(100)]
    public int? CanaryWeight { get; set; }

    /// <summary>When the current canary step started.</summary>
    [JsonPropertyName("canaryStepStartTime")]
    [Format("date-time")]
    [MaxLength(64)]
    public DateTimeOffset? CanaryStepStartTime { get; set; }

    /// <summary>Serving replicas that are ready.</summary>
    [JsonPropertyName("readyReplicas")]
    [Minimum(0)]
    public int? ReadyReplicas { get; set; }

    /// <summary>Latest analysis measurements of the canary.</summary>
    [JsonPropertyName("analysis")]
    public AnalysisStatus? Analysis { get; set; }
}

/// <summary>Summary phase of a deployment.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeploymentPhase>))]
public enum DeploymentPhase
{
    /// <summary>Waiting for the model or the pods.</summary>
    [JsonStringEnumMemberName("Pending")]
    Pending,

    /// <summary>A canary rollout is in progress.</summary>
    [JsonStringEnumMemberName("Progressing")]
    Progressing,

    /// <summary>Every replica serves the stable model.</summary>
    [JsonStringEnumMemberName("Available")]
    Available,

    /// <summary>The last rollout failed its analysis and traffic went back to the stable model.</summary>
    [JsonStringEnumMemberName("RolledBack")]
    RolledBack,

    /// <summary>No model can be served.</summary>
    [JsonStringEnumMemberName("Failed")]
    Failed,
}

/// <summary>Canary analysis measurements.</summary>
public sealed record AnalysisStatus
{
    /// <summary>Canary requests observed in the current step.</summary>
    [JsonPropertyName("requests")]
    [Minimum(0)]
    public long? Requests { get; set; }

    /// <summary>Fraction of failed canary requests.</summary>
    [JsonPropertyName("errorRate")]
    [Minimum(0)]
    public double? ErrorRate { get; set; }

    /// <summary>99th-percentile canary latency in milliseconds.</summary>
    [JsonPropertyName("latencyP99Ms")]
    [Minimum(0)]
    public double? LatencyP99Ms { get; set; }

    /// <summary>Eval score of the canary on the eval dataset.</summary>
    [JsonPropertyName("evalScore")]
    [Minimum(0)]
    public double? EvalScore { get; set; }
}
