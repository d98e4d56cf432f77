using TuneOperator.Trainer.Evaluation;

namespace TuneOperator.Trainer.Training;

/// <summary>A guard configured to warn was breached; training goes on.</summary>
/// <param name="Step">The step it was measured after.</param>
/// <param name="Result">The guard's result.</param>
public sealed record GuardWarning(int Step, GuardResult Result) : TrainingEvent(Step);
