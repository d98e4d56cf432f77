using TuneOperator.Trainer.Training;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Evaluation;

/// <summary>Validation loss and perplexity (mean per target over the whole validation set).</summary>
public sealed class LossEvaluator(ITrainingObjective objective, IBatchSource source) : IEvaluator
{
    /// <inheritdoc />
    public EvaluationResult Evaluate(nn.Module<Tensor, Tensor> model, CancellationToken cancellationToken)
    {
        var (lossSum, targets) = LossMeasurement.Measure(model, objective, source, cancellationToken);
        var loss = lossSum / targets;
        return new EvaluationResult(new Dictionary<string, double>
        {
            [MetricNames.EvalLoss] = loss,
            [MetricNames.EvalPerplexity] = Perplexity.FromMeanLoss(loss),
        });
    }
}
