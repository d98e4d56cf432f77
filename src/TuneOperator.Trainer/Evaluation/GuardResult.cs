namespace TuneOperator.Trainer.Evaluation;

/// <summary>The outcome of one guard check.</summary>
/// <param name="Reason">The guard's failure reason (see <see cref="GuardReasons"/>).</param>
/// <param name="Value">The measured value (relative regression or gap).</param>
/// <param name="Limit">The configured bound.</param>
/// <param name="Action">What a breach does.</param>
/// <param name="Metrics">The values to report (see <see cref="MetricNames"/>).</param>
/// <param name="Message">A human-readable summary.</param>
public sealed record GuardResult(string Reason, double Value, double Limit, GuardAction Action, IReadOnlyDictionary<string, double> Metrics, string Message)
{
    /// <summary>Whether the value exceeds the bound.</summary>
    public bool Breached => Value > Limit;
}
