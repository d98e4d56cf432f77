namespace TuneOperator.Trainer.Checkpoints;

/// <summary>One file of a checkpoint as recorded in its manifest.</summary>
/// <param name="Path">The path relative to the checkpoint directory, with '/' separators.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="Sha256">The SHA-256 digest of the contents, <c>sha256:&lt;hex&gt;</c> (plain hex in manifests of format version 1).</param>
public sealed record CheckpointFile(string Path, long Size, string Sha256);
