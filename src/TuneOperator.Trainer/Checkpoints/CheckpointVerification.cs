namespace TuneOperator.Trainer.Checkpoints;

/// <summary>The result of verifying a checkpoint directory.</summary>
/// <param name="Checkpoint">The checkpoint when valid.</param>
/// <param name="Problem">What is wrong when not valid (missing manifest, missing file, wrong size or digest).</param>
public sealed record CheckpointVerification(CheckpointInfo? Checkpoint, string? Problem)
{
    /// <summary>Whether the directory is a complete, intact checkpoint.</summary>
    public bool IsValid => Checkpoint is not null;
}
