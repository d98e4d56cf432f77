namespace TuneOperator.Data.Datasets;

/// <summary>One JSONL training file (one task of a multi-task mix).</summary>
/// <param name="Path">The training JSONL file.</param>
/// <param name="Weight">The share of this source in each epoch relative to the others (only used when mixing).</param>
/// <param name="Name">The name shown in reports; the file name without extension when null.</param>
/// <param name="Format">This source's format; <see cref="DataOptions.Format"/> when null.</param>
/// <param name="Validation">A validation JSONL file for this source; without one, <see cref="DataOptions.ValidationSplit"/> holds rows out.</param>
public sealed record DatasetSource(string Path, double Weight = 1.0, string? Name = null, DatasetFormat? Format = null, string? Validation = null)
{
    /// <summary>The name shown in reports.</summary>
    public string DisplayName => Name ?? System.IO.Path.GetFileNameWithoutExtension(Path);
}
