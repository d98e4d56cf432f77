namespace TuneOperator.Data.Datasets;

/// <summary>Why a row was left out of the dataset.</summary>
public enum DropReason
{
    /// <summary>The row is blank, or its text fields are empty after trimming.</summary>
    Empty,

    /// <summary>The row is not a JSON object, a field is missing or has the wrong type, a role or label is unknown.</summary>
    Malformed,

    /// <summary>The row has more tokens than <see cref="DataOptions.MaxSeqLength"/> (or nothing trainable is left after truncation).</summary>
    OverLong,

    /// <summary>The row repeats an earlier row (after trimming and whitespace normalisation), or a validation row repeats a training row.</summary>
    Duplicate,
}
