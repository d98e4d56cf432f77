using TuneOperator.Trainer.Checkpoints;

namespace TuneOperator.Trainer.Export;

/// <summary>
/// <c>tune_export.json</c>, written last into an export: which files the export wrote, with their sizes and digests.
/// Its presence in the staging folder marks the staged export complete; in the output it names the model's files.
/// </summary>
/// <param name="FormatVersion">The layout version, <see cref="CurrentFormatVersion"/>.</param>
/// <param name="Format">What was exported: <c>merged</c> (a model) or <c>adapter</c> (a PEFT adapter).</param>
/// <param name="Files">Every exported file except this manifest, by name, with its size and <c>sha256:&lt;hex&gt;</c> digest.</param>
public sealed record ExportManifest(int FormatVersion, string Format, IReadOnlyList<CheckpointFile> Files)
{
    /// <summary>The layout version this code writes.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The manifest's file name.</summary>
    public const string FileName = "tune_export.json";
}
