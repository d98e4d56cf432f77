using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>Compute resources and scheduling of the trainer pod.</summary>
public sealed record ResourcesSpec
{
    /// <summary>Number of GPUs (<c>nvidia.com/gpu</c>) requested; 0 trains on CPU. Default 0.</summary>
    [JsonPropertyName("gpus")]
    [Minimum(0)]
    [Maximum(16)]
    public int Gpus { get; set; }

    /// <summary>CPU request and limit as a Kubernetes quantity, e.g. <c>4</c> or <c>500m</c>.</summary>
    [JsonPropertyName("cpu")]
    [MaxLength(64)]
    [Pattern(Patterns.Quantity, Example = "a quantity such as 4 or 500m")]
    public string? Cpu { get; set; }

    /// <summary>Memory request and limit as a Kubernetes quantity, e.g. <c>16Gi</c>.</summary>
    [JsonPropertyName("memory")]
    [MaxLength(64)]
    [Pattern(Patterns.Quantity, Example = "a quantity such as 16Gi")]
    public string? Memory { get; set; }

    /// <summary>Node labels the pod must match, e.g. {nvidia.com/gpu.product: NVIDIA-H100-80GB-HBM3}.</summary>
    [JsonPropertyName("nodeSelector")]
    [MaxProperties(32)]
    [MaxLength(253)]
    public Dictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Tolerations of the pod, e.g. for tainted GPU nodes.</summary>
    [JsonPropertyName("tolerations")]
    [MaxItems(32)]
    public List<Toleration>? Tolerations { get; set; }

    /// <summary>PriorityClass of the pod (preemption order).</summary>
    [JsonPropertyName("priorityClassName")]
    [MaxLength(253)]
    [Pattern(Patterns.ObjectName)]
    public string? PriorityClassName { get; set; }

    /// <summary>Scheduler that places the pod, e.g. a gang scheduler; unset uses the default scheduler.</summary>
    [JsonPropertyName("schedulerName")]
    [MaxLength(253)]
    [Pattern(Patterns.ObjectName)]
    public string? SchedulerName { get; set; }
}

/// <summary>A pod toleration (the fields of the Kubernetes core/v1 Toleration).</summary>
public sealed record Toleration
{
    /// <summary>Taint key the toleration applies to; empty with operator Exists matches every taint.</summary>
    [JsonPropertyName("key")]
    [MaxLength(253)]
    public string? Key { get; set; }

    /// <summary><c>Equal</c> (default) or <c>Exists</c>.</summary>
    [JsonPropertyName("operator")]
    public TolerationOperator? Operator { get; set; }

    /// <summary>Taint value to match with operator Equal.</summary>
    [JsonPropertyName("value")]
    [MaxLength(63)]
    public string? Value { get; set; }

    /// <summary>Taint effect to match: NoSchedule, PreferNoSchedule or NoExecute; unset matches all.</summary>
    [JsonPropertyName("effect")]
    public TaintEffect? Effect { get; set; }

    /// <summary>With effect NoExecute: seconds the pod stays bound after the taint appears.</summary>
    [JsonPropertyName("tolerationSeconds")]
    [Minimum(0)]
    public long? TolerationSeconds { get; set; }
}

/// <summary>Operator of a toleration.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TolerationOperator>))]
public enum TolerationOperator
{
    /// <summary>Key and value must equal the taint's.</summary>
    [JsonStringEnumMemberName("Equal")]
    Equal,

    /// <summary>Any value of the key matches.</summary>
    [JsonStringEnumMemberName("Exists")]
    Exists,
}

/// <summary>Effect of a taint.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TaintEffect>))]
public enum TaintEffect
{
    /// <summary>Pods that do not tolerate the taint are not scheduled.</summary>
    [JsonStringEnumMemberName("NoSchedule")]
    NoSchedule,

    /// <summary>The scheduler avoids the node if it can.</summary>
    [JsonStringEnumMemberName("PreferNoSchedule")]
    PreferNoSchedule,

    /// <summary>Running pods that do not tolerate the taint are evicted.</summary>
    [JsonStringEnumMemberName("NoExecute")]
    NoExecute,
}
