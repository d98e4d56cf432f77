using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>Retries, deadlines, clean-up and suspension. This is the only part of the spec that can change after
/// the job was created.</summary>
public sealed record RunPolicySpec
{
    /// <summary>Number of trainer pod failures tolerated (each restart resumes from the newest checkpoint) before
    /// the job fails with reason BackoffLimitExceeded. Preemptions and evictions do not count. Default 3.</summary>
    [JsonPropertyName("backoffLimit")]
    [Minimum(0)]
    [Maximum(100)]
    public int BackoffLimit { get; set; } = 3;

    /// <summary>Maximum seconds the job may be active (suspended time excluded) before it fails with reason
    /// DeadlineExceeded; unset means no deadline.</summary>
    [JsonPropertyName("activeDeadlineSeconds")]
    [Minimum(1)]
    [Maximum(31536000)]
    public long? ActiveDeadlineSeconds { get; set; }

    /// <summary>Seconds after the job finished (succeeded or failed) when it is deleted automatically together with
    /// its pods and secret; the output stays on storage. Unset keeps the job.</summary>
    [JsonPropertyName("ttlSecondsAfterFinished")]
    [Minimum(0)]
    [Maximum(31536000)]
    public long? TtlSecondsAfterFinished { get; set; }

    /// <summary>Suspend the job (Kubernetes Job semantics, so Kueue can admit it): true checkpoints and deletes the
    /// trainer pod; false creates it again and resumes from the checkpoint. Default false.</summary>
    [JsonPropertyName("suspend")]
    public bool Suspend { get; set; }
}
