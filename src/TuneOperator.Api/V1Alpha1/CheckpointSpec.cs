using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>Periodic checkpoints; a restarted or resumed job continues from the newest one.</summary>
public sealed record CheckpointSpec
{
    /// <summary>The folder under the output location that holds checkpoints when <see cref="Location"/> is unset.</summary>
    public const string DefaultFolderName = "checkpoints";

    /// <summary>Save a checkpoint every this many optimiser steps; unset saves at the end of each epoch (and always
    /// before suspend, preemption or deletion).</summary>
    [JsonPropertyName("everySteps")]
    [Minimum(1)]
    [Maximum(100000000)]
    public long? EverySteps { get; set; }

    /// <summary>Number of most recent checkpoints kept on storage (the best one is always kept too), 1 to 100.
    /// Default 3.</summary>
    [JsonPropertyName("keepLast")]
    [Minimum(1)]
    [Maximum(100)]
    public int KeepLast { get; set; } = 3;

    /// <summary>Where checkpoints are written; unset uses <c>&lt;output.location&gt;/checkpoints</c>.</summary>
    [JsonPropertyName("location")]
    [MaxLength(1024)]
    [Pattern(Patterns.Location, Example = Patterns.LocationExample)]
    public string? Location { get; set; }

    /// <summary>
    /// The checkpoint location in effect: <see cref="Location"/> when set, otherwise
    /// <c>&lt;<paramref name="outputLocation"/>&gt;/checkpoints</c>; null when neither is known.
    /// </summary>
    /// <param name="outputLocation">The job's <c>spec.output.location</c>.</param>
    public string? LocationOrDefault(string? outputLocation) =>
        !string.IsNullOrEmpty(Location) ? Location
        : string.IsNullOrEmpty(outputLocation) ? null
        : outputLocation.TrimEnd('/') + "/" + DefaultFolderName;
}
