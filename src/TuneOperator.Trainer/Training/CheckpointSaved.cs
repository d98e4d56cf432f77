using TuneOperator.Trainer.Checkpoints;

namespace TuneOperator.Trainer.Training;

/// <summary>A checkpoint was written.</summary>
/// <param name="Step">Its step.</param>
/// <param name="Checkpoint">Where and with which digest.</param>
/// <param name="IsBest">Whether it is now the best checkpoint.</param>
public sealed record CheckpointSaved(int Step, CheckpointInfo Checkpoint, bool IsBest) : TrainingEvent(Step);
