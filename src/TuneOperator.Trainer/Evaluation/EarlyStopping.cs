namespace TuneOperator.Trainer.Evaluation;

/// <summary>
/// Early stopping: an evaluation improves when its metric beats the best so far by more than <c>minDelta</c>
/// (downwards for <see cref="EarlyStoppingMode.Min"/>, upwards for <see cref="EarlyStoppingMode.Max"/>); after
/// <c>patience</c> evaluations in a row without improvement, training stops. The first evaluation always improves.
/// </summary>
public sealed class EarlyStopping
{
    /// <summary>Creates the rule.</summary>
    /// <param name="metric">The metric name (see <see cref="MetricNames"/>).</param>
    /// <param name="mode">Whether smaller or larger is better.</param>
    /// <param name="patience">Evaluations without improvement tolerated, at least 1.</param>
    /// <param name="minDelta">The smallest change that counts as improvement, &gt;= 0.</param>
    public EarlyStopping(string metric, EarlyStoppingMode mode, int patience, double minDelta = 0)
    {
        if (string.IsNullOrWhiteSpace(metric))
        {
            throw new ArgumentException("evaluation.earlyStopping.metric must name a metric, e.g. evalLoss.", nameof(metric));
        }

        if (patience < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(patience), patience, "evaluation.earlyStopping.patience must be at least 1.");
        }

        if (!(minDelta >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "evaluation.earlyStopping.minDelta must be 0 or more.");
        }

        Metric = metric;
        Mode = mode;
        Patience = patience;
        MinDelta = minDelta;
        State = new EarlyStoppingState(null, null, 0);
    }

    /// <summary>The metric watched.</summary>
    public string Metric { get; }

    /// <summary>Whether smaller or larger is better.</summary>
    public EarlyStoppingMode Mode { get; }

    /// <summary>Evaluations without improvement tolerated.</summary>
    public int Patience { get; }

    /// <summary>The smallest change that counts.</summary>
    public double MinDelta { get; }

    /// <summary>The current state; settable to restore from a checkpoint.</summary>
    public EarlyStoppingState State { get; set; }

    /// <summary>Records the metric of the evaluation at <paramref name="step"/>.</summary>
    public EarlyStoppingDecision Observe(int step, double value)
    {
        if (double.IsNaN(value))
        {
            var stale = State with { EvaluationsWithoutImprovement = State.EvaluationsWithoutImprovement + 1 };
            State = stale;
            return new EarlyStoppingDecision(false, stale.EvaluationsWithoutImprovement >= Patience);
        }

        var improved = State.BestValue is not { } best
            || (Mode == EarlyStoppingMode.Min ? value < best - MinDelta : value > best + MinDelta);
        State = improved
            ? new EarlyStoppingState(value, step, 0)
            : State with { EvaluationsWithoutImprovement = State.EvaluationsWithoutImprovement + 1 };
        return new EarlyStoppingDecision(improved, State.EvaluationsWithoutImprovement >= Patience);
    }
}
