using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>Row cleaning and augmentation applied before tokenisation. Dropped rows are counted in the job's
/// metrics so data problems are visible.</summary>
public sealed record PreprocessingSpec
{
    /// <summary>Trim leading and trailing whitespace of every text field. Default true.</summary>
    [JsonPropertyName("trim")]
    public bool Trim { get; set; } = true;

    /// <summary>Drop rows whose text (or answer) is empty after trimming. Default true.</summary>
    [JsonPropertyName("dropEmpty")]
    public bool DropEmpty { get; set; } = true;

    /// <summary>Drop rows that are not valid JSON or lack the fields of the format; when false such a row fails the
    /// job with its line number. Default true.</summary>
    [JsonPropertyName("dropMalformed")]
    public bool DropMalformed { get; set; } = true;

    /// <summary>Drop exact duplicate rows (after trimming). Default false.</summary>
    [JsonPropertyName("dropDuplicates")]
    public bool DropDuplicates { get; set; }

    /// <summary>Drop examples longer than dataset.maxSeqLength tokens instead of truncating them. Default false.</summary>
    [JsonPropertyName("dropOverLength")]
    public bool DropOverLength { get; set; }

    /// <summary>Text augmentation of the training rows (never of validation rows).</summary>
    [JsonPropertyName("augmentation")]
    public AugmentationSpec? Augmentation { get; set; }
}

/// <summary>Simple, deterministic (seeded) text augmentation: each training row gets extra noisy copies.</summary>
public sealed record AugmentationSpec
{
    /// <summary>Number of augmented copies added per training row, 1 to 10. Default 1.</summary>
    [JsonPropertyName("copies")]
    [Minimum(1)]
    [Maximum(10)]
    public int Copies { get; set; } = 1;

    /// <summary>Probability that a word of the prompt is dropped in a copy, 0 to 0.5. Default 0.1.</summary>
    [JsonPropertyName("wordDropout")]
    [Minimum(0)]
    [Maximum(0.5)]
    public double WordDropout { get; set; } = 0.1;

    /// <summary>Probability that two neighbouring words of the prompt are swapped in a copy, 0 to 0.5. Default 0.</summary>
    [JsonPropertyName("wordSwap")]
    [Minimum(0)]
    [Maximum(0.5)]
    public double WordSwap { get; set; }
}
