namespace TuneOperator.Trainer.Evaluation;

/// <summary>What early stopping concluded from one evaluation.</summary>
/// <param name="Improved">The value is the new best.</param>
/// <param name="ShouldStop">Patience ran out.</param>
public sealed record EarlyStoppingDecision(bool Improved, bool ShouldStop);
