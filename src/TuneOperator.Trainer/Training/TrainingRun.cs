using TuneOperator.Trainer.Checkpoints;
using TuneOperator.Trainer.Evaluation;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Training;

/// <summary>Everything one training run is made of.</summary>
public sealed record TrainingRun
{
    /// <summary>The model: ids [B, T] to logits [B, T, V] (language model) or [B, C] (classifier), on its device.</summary>
    public required nn.Module<Tensor, Tensor> Model { get; init; }

    /// <summary>The loss.</summary>
    public required ITrainingObjective Objective { get; init; }

    /// <summary>The training batches.</summary>
    public required IBatchSource Data { get; init; }

    /// <summary>Hyperparameters and cadence.</summary>
    public TrainingOptions Options { get; init; } = new();

    /// <summary>Evaluators run every <see cref="TrainingOptions.EvaluationEverySteps"/> steps and at the end.</summary>
    public IReadOnlyList<IEvaluator> Evaluators { get; init; } = [];

    /// <summary>Guards (retention, bias) measured before training and checked at every evaluation.</summary>
    public IReadOnlyList<ITrainingGuard> Guards { get; init; } = [];

    /// <summary>Early stopping on one of the evaluation metrics, if wanted.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>Where checkpoints go; without a store nothing is saved.</summary>
    public CheckpointStore? Checkpoints { get; init; }

    /// <summary>Pause, resume, stop (graceful: with a checkpoint) and on-demand checkpoints.</summary>
    public TrainingControl? Control { get; init; }

    /// <summary>Receives progress, evaluation, checkpoint and warning events (called on the training thread).</summary>
    public IProgress<TrainingEvent>? Events { get; init; }
}
