using Microsoft.Extensions.Logging;

namespace TuneOperator.Trainer.Training;

/// <summary>Log messages of the training loop.</summary>
internal static partial class TrainingLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Training {TotalSteps} steps from step {Step} ({Precision}, {Device})")]
    public static partial void Starting(ILogger logger, int totalSteps, int step, ComputePrecision precision, TorchSharp.DeviceType device);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Resumed from checkpoint {Path} at step {Step}")]
    public static partial void Resumed(ILogger logger, string path, int step);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "The checkpoint planned {SavedTotal} steps, this run plans {TotalSteps}; the schedule continues with the new total")]
    public static partial void TotalStepsChanged(ILogger logger, int savedTotal, int totalSteps);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Checkpoint of step {Step} saved to {Path}")]
    public static partial void CheckpointSaved(ILogger logger, int step, string path);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Guard {Reason} breached: {Message}")]
    public static partial void GuardBreached(ILogger logger, string reason, string message);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Information, Message = "Training ended at step {Step} of {TotalSteps}: {Reason}")]
    public static partial void Finished(ILogger logger, int step, int totalSteps, StopReason reason);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Information, Message = "Early stopping at step {Step}: {Metric} did not improve for {Patience} evaluations")]
    public static partial void EarlyStopped(ILogger logger, int step, string metric, int patience);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Error, Message = "The loss of step {Step} is not finite ({Loss})")]
    public static partial void LossNotFinite(ILogger logger, int step, double loss);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Information, Message = "Restored the weights of the best step {BestStep} (the run ended at step {Step})")]
    public static partial void BestWeightsRestored(ILogger logger, int bestStep, int step);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "The weights of the best step {BestStep} are no longer available (its checkpoint is missing); the model keeps the last step's weights")]
    public static partial void BestWeightsUnavailable(ILogger logger, int bestStep);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Information, Message = "Evaluated the starting model before training: {Count} metrics")]
    public static partial void BaselineEvaluated(ILogger logger, int count);
}
