using TuneOperator.Trainer.Evaluation;
using TuneOperator.Trainer.Training;

namespace TuneOperator.Trainer.Checkpoints;

/// <summary>The loop's own state in a checkpoint (<c>trainer_state.json</c>).</summary>
/// <param name="Step">Optimizer steps completed.</param>
/// <param name="TotalSteps">The run's planned number of steps.</param>
/// <param name="Position">The data position of the next batch.</param>
/// <param name="OptimizerSteps">AdamW's step count (bias correction).</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="LearningRate">The learning rate of the last step (the schedule is a function of the step).</param>
/// <param name="EarlyStopping">Early-stopping state, when configured.</param>
/// <param name="GuardBaselines">Guard baselines measured before training, keyed by the guard's reason.</param>
/// <param name="BestStep">The step of the best checkpoint, if any.</param>
/// <param name="WeightsKind">Which weights the checkpoint holds.</param>
public sealed record TrainerState(
    int Step,
    int TotalSteps,
    BatchPosition Position,
    int OptimizerSteps,
    long Seed,
    double LearningRate,
    EarlyStoppingState? EarlyStopping,
    IReadOnlyDictionary<string, double> GuardBaselines,
    int? BestStep,
    CheckpointWeights WeightsKind);
