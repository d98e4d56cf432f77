using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>Observed state of a FineTuneJob, written by the operator.</summary>
public sealed record FineTuneJobStatus
{
    /// <summary>The metadata.generation this status was computed from.</summary>
    [JsonPropertyName("observedGeneration")]
    [Minimum(0)]
    public long? ObservedGeneration { get; set; }

    /// <summary>Summary phase: Pending, Running, Suspended, Succeeded or Failed.</summary>
    [JsonPropertyName("phase")]
    public JobPhase? Phase { get; set; }

    /// <summary>Conditions: Ready, Reconciling, Stalled, Running, Suspended, Succeeded, Failed.</summary>
    [JsonPropertyName("conditions")]
    [MaxItems(16)]
    [ListMap("type")]
    public List<Condition>? Conditions { get; set; }

    /// <summary>Training progress.</summary>
    [JsonPropertyName("progress")]
    public JobProgress? Progress { get; set; }

    /// <summary>Latest metric values by name, e.g. trainLoss, learningRate, evalLoss, evalAccuracy,
    /// retentionPerplexity, biasGap (see <see cref="MetricNames"/>).</summary>
    [JsonPropertyName("metrics")]
    [MaxProperties(64)]
    public Dictionary<string, double>? Metrics { get; set; }

    /// <summary>Metric values of the evaluation before the first training step (step 0), named as in metrics: what
    /// the starting model scored, for comparison with the trained one. Kept when the job resumes.</summary>
    [JsonPropertyName("baselineMetrics")]
    [MaxProperties(64)]
    public Dictionary<string, double>? BaselineMetrics { get; set; }

    /// <summary>The most recent checkpoints, oldest first (at most checkpoint.keepLast).</summary>
    [JsonPropertyName("checkpoints")]
    [MaxItems(100)]
    public List<CheckpointStatus>? Checkpoints { get; set; }

    /// <summary>The checkpoint with the best evaluation metric so far.</summary>
    [JsonPropertyName("bestCheckpoint")]
    public CheckpointStatus? BestCheckpoint { get; set; }

    /// <summary>Number of times the trainer pod was restarted (failures and preemptions).</summary>
    [JsonPropertyName("restarts")]
    [Minimum(0)]
    public int? Restarts { get; set; }

    /// <summary>Number of restarts caused by failures, compared against runPolicy.backoffLimit.</summary>
    [JsonPropertyName("failures")]
    [Minimum(0)]
    public int? Failures { get; set; }

    /// <summary>When the job first started running.</summary>
    [JsonPropertyName("startTime")]
    [Format("date-time")]
    [MaxLength(64)]
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>When the job succeeded or failed.</summary>
    [JsonPropertyName("completionTime")]
    [Format("date-time")]
    [MaxLength(64)]
    public DateTimeOffset? CompletionTime { get; set; }

    /// <summary>The written model.</summary>
    [JsonPropertyName("output")]
    public ModelArtifact? Output { get; set; }

    /// <summary>Provenance of the output: digests of the inputs and of the spec.</summary>
    [JsonPropertyName("lineage")]
    public JobLineage? Lineage { get; set; }
}

/// <summary>Summary phase of a job.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobPhase>))]
public enum JobPhase
{
    /// <summary>Accepted; waiting for a pod, a source job, or scheduling.</summary>
    [JsonStringEnumMemberName("Pending")]
    Pending,

    /// <summary>Training.</summary>
    [JsonStringEnumMemberName("Running")]
    Running,

    /// <summary>Suspended by runPolicy.suspend.</summary>
    [JsonStringEnumMemberName("Suspended")]
    Suspended,

    /// <summary>Training completed and the output was written.</summary>
    [JsonStringEnumMemberName("Succeeded")]
    Succeeded,

    /// <summary>Failed for good.</summary>
    [JsonStringEnumMemberName("Failed")]
    Failed,
}

/// <summary>Training progress.</summary>
public sealed record JobProgress
{
    /// <summary>Optimiser steps done.</summary>
    [JsonPropertyName("step")]
    [Minimum(0)]
    public long Step { get; set; }

    /// <summary>Optimiser steps planned.</summary>
    [JsonPropertyName("totalSteps")]
    [Minimum(0)]
    public long TotalSteps { get; set; }

    /// <summary>Fractional epoch, e.g. 1.5 halfway through the second epoch.</summary>
    [JsonPropertyName("epoch")]
    [Minimum(0)]
    public double Epoch { get; set; }

    /// <summary>Percent of the planned steps done, 0 to 100.</summary>
    [JsonPropertyName("percent")]
    [Minimum(0)]
    [Maximum(100)]
    public double Percent { get; set; }

    /// <summary>Recent training throughput in tokens per second.</summary>
    [JsonPropertyName("tokensPerSecond")]
    [Minimum(0)]
    public double? TokensPerSecond { get; set; }

    /// <summary>Estimated completion time.</summary>
    [JsonPropertyName("eta")]
    [Format("date-time")]
    [MaxLength(64)]
    public DateTimeOffset? Eta { get; set; }
}

/// <summary>A saved checkpoint.</summary>
public sealed record CheckpointStatus
{
    /// <summary>Optimiser step at which it was saved.</summary>
    [JsonPropertyName("step")]
    [Minimum(0)]
    public required long Step { get; set; }

    /// <summary>Location of the checkpoint folder.</summary>
    [JsonPropertyName("path")]
    [MaxLength(1024)]
    public required string Path { get; set; }

    /// <summary>sha256 digest of the checkpoint's manifest, <c>sha256:&lt;hex&gt;</c>.</summary>
    [JsonPropertyName("sha256")]
    [MaxLength(80)]
    public string? Sha256 { get; set; }

    /// <summary>Value of the monitored evaluation metric at this checkpoint, if evaluated.</summary>
    [JsonPropertyName("metric")]
    public double? Metric { get; set; }

    /// <summary>When it was saved.</summary>
    [JsonPropertyName("time")]
    [Format("date-time")]
    [MaxLength(64)]
    public DateTimeOffset? Time { get; set; }
}

/// <summary>A model written to storage.</summary>
public sealed record ModelArtifact
{
    /// <summary>Location of the model folder.</summary>
    [JsonPropertyName("path")]
    [MaxLength(1024)]
    public required string Path { get; set; }

    /// <summary>Digest of the exported model's files (the sorted relative paths of the files the export wrote, each with the SHA-256 of its contents), <c>sha256:&lt;hex&gt;</c>; checkpoints and other files kept in the output do not change it.</summary>
    [JsonPropertyName("digest")]
    [MaxLength(80)]
    public string? Digest { get; set; }
}

/// <summary>Provenance of a job's output.</summary>
public sealed record JobLineage
{
    /// <summary>Digest of the base model the job started from.</summary>
    [JsonPropertyName("baseModelDigest")]
    [MaxLength(80)]
    public string? BaseModelDigest { get; set; }

    /// <summary>Digest of the training (and validation) data.</summary>
    [JsonPropertyName("datasetDigest")]
    [MaxLength(80)]
    public string? DatasetDigest { get; set; }

    /// <summary>Digest of the spec that produced the output.</summary>
    [JsonPropertyName("specHash")]
    [MaxLength(80)]
    public string? SpecHash { get; set; }

    /// <summary>The FineTuneJob whose output was the base model (sequential fine-tuning).</summary>
    [JsonPropertyName("parentJob")]
    [MaxLength(253)]
    public string? ParentJob { get; set; }
}
