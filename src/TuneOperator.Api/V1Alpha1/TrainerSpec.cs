using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>The trainer container.</summary>
public sealed record TrainerSpec
{
    /// <summary>Image of <c>tune-trainer</c>, e.g. <c>ghcr.io/tuneoperator/tune-trainer:0.1.0</c>; unset uses the
    /// operator's configured default.</summary>
    [JsonPropertyName("image")]
    [MaxLength(512)]
    [Pattern(Patterns.Image)]
    public string? Image { get; set; }

    /// <summary>Image pull policy: Always, IfNotPresent or Never. Default IfNotPresent.</summary>
    [JsonPropertyName("imagePullPolicy")]
    public ImagePullPolicy ImagePullPolicy { get; set; } = ImagePullPolicy.IfNotPresent;
}

/// <summary>Kubernetes image pull policy.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ImagePullPolicy>))]
public enum ImagePullPolicy
{
    /// <summary>Always pull.</summary>
    [JsonStringEnumMemberName("Always")]
    Always,

    /// <summary>Pull only when the image is not on the node.</summary>
    [JsonStringEnumMemberName("IfNotPresent")]
    IfNotPresent,

    /// <summary>Never pull.</summary>
    [JsonStringEnumMemberName("Never")]
    Never,
}
