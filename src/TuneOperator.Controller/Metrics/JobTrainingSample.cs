namespace TuneOperator.Controller.Metrics;

/// <summary>The latest training numbers the trainer reported for one job.</summary>
/// <param name="Step">The optimizer step reached.</param>
/// <param name="Loss">The latest training loss, when known.</param>
/// <param name="TokensPerSecond">The training throughput, when known.</param>
/// <param name="EtaSeconds">The estimated seconds to completion, when known.</param>
/// <param name="EvalMetrics">The latest evaluation metrics by name (for example <c>eval_loss</c>), when any.</param>
public sealed record JobTrainingSample(
    long Step,
    double? Loss = null,
    double? TokensPerSecond = null,
    double? EtaSeconds = null,
    IReadOnlyDictionary<string, double>? EvalMetrics = null);
