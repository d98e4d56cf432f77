using TuneOperator.Protos;
using TuneOperator.Trainer.Control;
using TuneOperator.Trainer.Evaluation;
using TuneOperator.Trainer.Training;
using EvaluatorMetricNames = TuneOperator.Trainer.Evaluation.MetricNames;

namespace TuneOperator.Trainer.Engine;

/// <summary>
/// Turns the training loop's events into reports: progress after each step, an eval result and a metrics report
/// (the latest training loss and the data report's drop counts) after each evaluation, and every saved checkpoint.
/// Called on the training thread.
/// </summary>
internal sealed class EngineEvents(ITrainingReporter reporter, IReadOnlyDictionary<string, double> dataMetrics, string primaryMetric, bool higherIsBetter)
    : IProgress<TrainingEvent>
{
    private readonly Dictionary<int, IReadOnlyDictionary<string, double>> evaluations = [];
    private double? best;

    /// <summary>The loss of the latest step.</summary>
    public double? LastLoss { get; private set; }

    /// <summary>The values of the latest evaluation, data metrics included.</summary>
    public IReadOnlyDictionary<string, double> LastEvaluation { get; private set; } = new Dictionary<string, double>();

    /// <summary>The values of every evaluation of this run by step, data metrics included.</summary>
    public IReadOnlyDictionary<int, IReadOnlyDictionary<string, double>> Evaluations => evaluations;

    /// <inheritdoc />
    public void Report(TrainingEvent value)
    {
        switch (value)
        {
            case StepCompleted step:
                LastLoss = step.Loss;
                reporter.Progress(new Progress
                {
                    Step = step.Step,
                    TotalSteps = step.TotalSteps,
                    Epoch = step.Epoch,
                    Loss = step.Loss,
                    LearningRate = step.LearningRate,
                    TokensPerSecond = step.TokensPerSecond,
                    EtaSeconds = step.Eta.TotalSeconds,
                });
                break;
            case EvaluationCompleted evaluation:
                var values = new Dictionary<string, double>(evaluation.Metrics, StringComparer.Ordinal);
                foreach (var (key, count) in dataMetrics)
                {
                    values[key] = count;
                }

                LastEvaluation = values;
                evaluations[evaluation.Step] = values;
                var improved = false;
                if (evaluation.Metrics.TryGetValue(primaryMetric, out var measured) && double.IsFinite(measured))
                {
                    improved = best is null || (higherIsBetter ? measured > best : measured < best);
                    best = improved ? measured : best;
                }

                var eval = new EvalResult { Step = evaluation.Step, Improved = improved };
                eval.Values.Add(values);
                reporter.Eval(eval);
                var metrics = new Metrics { Step = evaluation.Step };
                foreach (var (key, count) in dataMetrics)
                {
                    metrics.Values[key] = count;
                }

                if (LastLoss is { } loss)
                {
                    metrics.Values[EvaluatorMetricNames.TrainLoss] = loss;
                }

                reporter.Metrics(metrics);
                reporter.Phase(TrainerPhase.Training);
                break;
            case CheckpointSaved saved:
                reporter.CheckpointSaved(CheckpointMessages.ToMessage(saved.Checkpoint));
                break;
            default:
                break;
        }
    }
}

/// <summary>The first evaluator of a run: reports the Evaluating phase before the real evaluators run.</summary>
internal sealed class PhaseEvaluator(ITrainingReporter reporter) : IEvaluator
{
    /// <inheritdoc />
    public EvaluationResult Evaluate(TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> model, CancellationToken cancellationToken)
    {
        reporter.Phase(TrainerPhase.Evaluating);
        return new EvaluationResult(new Dictionary<string, double>());
    }
}
