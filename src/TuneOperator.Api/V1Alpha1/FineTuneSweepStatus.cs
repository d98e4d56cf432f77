using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>Observed state of a FineTuneSweep.</summary>
public sealed record FineTuneSweepStatus
{
    /// <summary>The metadata.generation this status was computed from.</summary>
    [JsonPropertyName("observedGeneration")]
    [Minimum(0)]
    public long? ObservedGeneration { get; set; }

    /// <summary>Summary phase: Pending, Running, Succeeded or Failed.</summary>
    [JsonPropertyName("phase")]
    public JobPhase? Phase { get; set; }

    /// <summary>Conditions: Ready, Reconciling, Stalled.</summary>
    [JsonPropertyName("conditions")]
    [MaxItems(16)]
    [ListMap("type")]
    public List<Condition>? Conditions { get; set; }

    /// <summary>Number of trials that finished (succeeded or failed).</summary>
    [JsonPropertyName("completedTrials")]
    [Minimum(0)]
    public int? CompletedTrials { get; set; }

    /// <summary>Every trial created so far.</summary>
    [JsonPropertyName("trials")]
    [MaxItems(256)]
    [ListMap("name")]
    public List<SweepTrial>? Trials { get; set; }

    /// <summary>The best finished trial.</summary>
    [JsonPropertyName("bestTrial")]
    public SweepTrial? BestTrial { get; set; }
}

/// <summary>One trial of a sweep.</summary>
public sealed record SweepTrial
{
    /// <summary>Name of the trial's FineTuneJob.</summary>
    [JsonPropertyName("name")]
    [MaxLength(253)]
    public required string Name { get; set; }

    /// <summary>The parameter values of this trial by spec path, rendered as JSON text.</summary>
    [JsonPropertyName("parameters")]
    [MaxProperties(16)]
    [MaxLength(256)]
    public Dictionary<string, string>? Parameters { get; set; }

    /// <summary>Phase of the trial's job.</summary>
    [JsonPropertyName("phase")]
    public JobPhase? Phase { get; set; }

    /// <summary>The trial's objective metric, once known.</summary>
    [JsonPropertyName("metric")]
    public double? Metric { get; set; }
}
