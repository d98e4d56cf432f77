using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>One observation of the state of a resource, in the Kubernetes <c>metav1.Condition</c> shape.</summary>
public sealed record Condition
{
    /// <summary>Condition type in CamelCase, one of <see cref="ConditionTypes"/>: Ready, Reconciling, Stalled,
    /// Running, Suspended, Succeeded, Failed, ...</summary>
    [JsonPropertyName("type")]
    [MaxLength(63)]
    [Pattern(@"^[A-Z][A-Za-z0-9]*$")]
    public required string Type { get; init; }

    /// <summary>Status of the condition: True, False or Unknown.</summary>
    [JsonPropertyName("status")]
    public required ConditionStatus Status { get; init; }

    /// <summary>The <c>metadata.generation</c> the condition was computed from; when it is lower than the current
    /// generation the condition is out of date.</summary>
    [JsonPropertyName("observedGeneration")]
    [Minimum(0)]
    public long? ObservedGeneration { get; init; }

    /// <summary>Last time the condition changed from one status to another (RFC 3339).</summary>
    [JsonPropertyName("lastTransitionTime")]
    [Format("date-time")]
    [MaxLength(64)]
    public required DateTimeOffset LastTransitionTime { get; init; }

    /// <summary>Machine-readable CamelCase reason for the last transition, one of <see cref="ConditionReasons"/>,
    /// e.g. BackoffLimitExceeded.</summary>
    [JsonPropertyName("reason")]
    [MaxLength(1024)]
    [MinLength(1)]
    [Pattern(@"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")]
    public required string Reason { get; init; }

    /// <summary>Human-readable details about the transition.</summary>
    [JsonPropertyName("message")]
    [MaxLength(32768)]
    public string? Message { get; init; }
}

/// <summary>Status of a condition.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConditionStatus>))]
public enum ConditionStatus
{
    /// <summary>The condition holds.</summary>
    [JsonStringEnumMemberName("True")]
    True,

    /// <summary>The condition does not hold.</summary>
    [JsonStringEnumMemberName("False")]
    False,

    /// <summary>It is not known whether the condition holds.</summary>
    [JsonStringEnumMemberName("Unknown")]
    Unknown,
}
