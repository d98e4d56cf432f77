namespace TuneOperator.Trainer.Evaluation;

/// <summary>What one evaluator measured.</summary>
/// <param name="Metrics">Named values (see <see cref="MetricNames"/>).</param>
/// <param name="Classification">The full classification report, for classification evaluators.</param>
public sealed record EvaluationResult(IReadOnlyDictionary<string, double> Metrics, ClassificationMetrics? Classification = null);
