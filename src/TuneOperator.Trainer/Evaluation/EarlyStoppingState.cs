namespace TuneOperator.Trainer.Evaluation;

/// <summary>The state of early stopping, saved in checkpoints.</summary>
/// <param name="BestValue">The best value seen, if any.</param>
/// <param name="BestStep">The step of the best value, if any.</param>
/// <param name="EvaluationsWithoutImprovement">Consecutive evaluations that did not improve by minDelta.</param>
public sealed record EarlyStoppingState(double? BestValue, int? BestStep, int EvaluationsWithoutImprovement);
