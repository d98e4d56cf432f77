using TuneOperator.Trainer.Evaluation;

namespace TuneOperator.Trainer.Training;

/// <summary>The metrics of an evaluation.</summary>
/// <param name="Step">The step evaluated after.</param>
/// <param name="Metrics">All metrics of the evaluators and guards.</param>
/// <param name="Classification">The classification report, when a classification evaluator ran.</param>
public sealed record EvaluationCompleted(int Step, IReadOnlyDictionary<string, double> Metrics, ClassificationMetrics? Classification)
    : TrainingEvent(Step);
