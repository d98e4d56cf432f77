using System.Globalization;
using TuneOperator.Trainer.Training;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Evaluation;

/// <summary>
/// The catastrophic-forgetting guard: perplexity on a retention set before training and now; the relative regression
/// <c>(now − before) / before</c> must stay at or below <c>maxRegression</c>.
/// </summary>
public sealed class RetentionGuard : ITrainingGuard
{
    private readonly ITrainingObjective objective;
    private readonly IBatchSource retention;

    /// <summary>Creates the guard.</summary>
    /// <param name="objective">The loss whose perplexity is measured (usually the causal LM loss).</param>
    /// <param name="retention">The retention set.</param>
    /// <param name="maxRegression">The largest relative regression allowed, &gt;= 0 (0.1 allows 10 %).</param>
    /// <param name="action">Fail or warn on a breach.</param>
    public RetentionGuard(ITrainingObjective objective, IBatchSource retention, double maxRegression, GuardAction action)
    {
        if (!(maxRegression >= 0) || double.IsInfinity(maxRegression))
        {
            throw new ArgumentOutOfRangeException(nameof(maxRegression), maxRegression, "evaluation.retention.maxRegression must be a number of 0 or more (0.1 allows a 10 % perplexity increase).");
        }

        this.objective = objective;
        this.retention = retention;
        MaxRegression = maxRegression;
        Action = action;
    }

    /// <summary>The bound.</summary>
    public double MaxRegression { get; }

    /// <summary>What a breach does.</summary>
    public GuardAction Action { get; }

    /// <summary>The retention perplexity before training.</summary>
    public double? Baseline { get; set; }

    /// <summary>The current retention perplexity of <paramref name="model"/>.</summary>
    public double MeasurePerplexity(nn.Module<Tensor, Tensor> model, CancellationToken cancellationToken)
    {
        var (lossSum, targets) = LossMeasurement.Measure(model, objective, retention, cancellationToken);
        return Perplexity.FromLossSum(lossSum, targets);
    }

    /// <inheritdoc />
    public void MeasureBaseline(nn.Module<Tensor, Tensor> model, CancellationToken cancellationToken)
        => Baseline = MeasurePerplexity(model, cancellationToken);

    /// <inheritdoc />
    public GuardResult Check(nn.Module<Tensor, Tensor> model, CancellationToken cancellationToken)
    {
        var before = Baseline ?? throw new InvalidOperationException("The retention baseline was not measured before training.");
        var now = MeasurePerplexity(model, cancellationToken);
        var regression = (now - before) / before;
        var message = string.Format(
            CultureInfo.InvariantCulture,
            "Retention perplexity {0:0.####} vs {1:0.####} before training: relative regression {2:0.####} (maxRegression {3:0.####}).",
            now,
            before,
            regression,
            MaxRegression);
        return new GuardResult(
            GuardReasons.RetentionRegressed,
            regression,
            MaxRegression,
            Action,
            new Dictionary<string, double> { [MetricNames.RetentionPerplexity] = now, [MetricNames.RetentionRegression] = regression },
            message);
    }
}
