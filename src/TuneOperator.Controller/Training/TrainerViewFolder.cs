using System.Text;
using TuneOperator.Api;
using TuneOperator.Protos;

namespace TuneOperator.Controller.Training;

/// <summary>Folds trainer events into a <see cref="TrainerView"/>. Pure; replaying an event already folded changes nothing.</summary>
public static class TrainerViewFolder
{
    /// <summary>Applies one event; events at or below the view's last sequence are ignored.</summary>
    /// <param name="view">The current view.</param>
    /// <param name="trainerEvent">The event.</param>
    /// <param name="keepLast">How many checkpoints to keep (checkpoint.keepLast).</param>
    /// <param name="now">The clock's time, for the ETA.</param>
    public static TrainerView Apply(TrainerView view, TrainerEvent trainerEvent, int keepLast, DateTimeOffset now)
    {
        if (trainerEvent.Sequence <= view.LastSequence)
        {
            return view;
        }

        var next = view with { LastSequence = trainerEvent.Sequence };
        switch (trainerEvent.PayloadCase)
        {
            case TrainerEvent.PayloadOneofCase.Progress:
                var progress = trainerEvent.Progress;
                var metrics = new Dictionary<string, double>(next.Metrics, StringComparer.Ordinal);
                if (double.IsFinite(progress.Loss))
                {
                    metrics[MetricNames.TrainLoss] = progress.Loss;
                }

                if (double.IsFinite(progress.LearningRate))
                {
                    metrics[MetricNames.LearningRate] = progress.LearningRate;
                }

                return next with
                {
                    Metrics = metrics,
                    Progress = new JobProgress
                    {
                        Step = progress.Step,
                        TotalSteps = progress.TotalSteps,
                        Epoch = progress.Epoch,
                        Percent = progress.TotalSteps > 0 ? Math.Clamp(Math.Round(100.0 * progress.Step / progress.TotalSteps, 2), 0, 100) : 0,
                        TokensPerSecond = progress.TokensPerSecond > 0 ? progress.TokensPerSecond : null,
                        Eta = progress.EtaSeconds > 0 ? now + TimeSpan.FromSeconds(Math.Round(progress.EtaSeconds)) : null,
                    },
                };
            case TrainerEvent.PayloadOneofCase.Metrics:
                return next with { Metrics = Merge(next.Metrics, trainerEvent.Metrics.Values, eval: false) };
            case TrainerEvent.PayloadOneofCase.Eval:
                var evaluated = next with { Metrics = Merge(next.Metrics, trainerEvent.Eval.Values, eval: true) };
                return trainerEvent.Eval.Step == 0
                    ? evaluated with { BaselineMetrics = Merge(new Dictionary<string, double>(StringComparer.Ordinal), trainerEvent.Eval.Values, eval: true) }
                    : evaluated;
            case TrainerEvent.PayloadOneofCase.CheckpointSaved:
                return AddCheckpoint(next, trainerEvent.CheckpointSaved, keepLast);
            case TrainerEvent.PayloadOneofCase.Completed:
                var completed = trainerEvent.Completed;
                return next with
                {
                    Completed = true,
                    CompletedReason = string.IsNullOrEmpty(completed.Reason) ? ConditionReasons.Completed : completed.Reason,
                    Metrics = Merge(next.Metrics, completed.FinalMetrics, eval: false),
                    Output = new ModelArtifact { Path = completed.OutputPath, Digest = Empty(completed.OutputDigest) },
                    Lineage = completed.Lineage is null ? null : new JobLineage
                    {
                        BaseModelDigest = Empty(completed.Lineage.BaseModelDigest),
                        DatasetDigest = Empty(completed.Lineage.DatasetDigest),
                        SpecHash = Empty(completed.Lineage.SpecHash),
                    },
                };
            case TrainerEvent.PayloadOneofCase.Failed:
                var failed = trainerEvent.Failed;
                return next with
                {
                    Failure = new TrainerFailure(
                        string.IsNullOrEmpty(failed.Reason) ? ConditionReasons.TrainerFailed : failed.Reason,
                        string.IsNullOrEmpty(failed.Message) ? "The trainer failed without a message." : failed.Message,
                        failed.Permanent),
                };
            default:
                return next;
        }
    }

    /// <summary>Adds a checkpoint (replacing one of the same step), keeps the last <paramref name="keepLast"/>, and updates the best one.</summary>
    public static TrainerView AddCheckpoint(TrainerView view, CheckpointInfo info, int keepLast)
    {
        var checkpoint = new CheckpointStatus
        {
            Step = info.Step,
            Path = info.Path,
            Sha256 = CheckpointDigest(info.Sha256),
            Metric = string.IsNullOrEmpty(info.MetricName) || !double.IsFinite(info.Metric) ? null : info.Metric,
            Time = info.Time?.ToDateTimeOffset(),
        };
        var list = view.Checkpoints.Where(c => c.Step != checkpoint.Step).Append(checkpoint).OrderBy(c => c.Step).ToList();
        if (list.Count > Math.Max(1, keepLast))
        {
            list = list[^Math.Max(1, keepLast)..];
        }

        var best = view.BestCheckpoint;
        if (checkpoint.Metric is { } metric && (best?.Metric is not { } bestMetric || Better(info.MetricName, metric, bestMetric)))
        {
            best = checkpoint;
        }

        return view with { Checkpoints = list, BestCheckpoint = best };
    }

    /// <summary>The status name of a trainer metric: snake_case becomes camelCase, e.g. eval_loss → evalLoss.</summary>
    public static string StatusMetricName(string name)
    {
        var builder = new StringBuilder(name.Length);
        var upper = false;
        foreach (var c in name)
        {
            if (c is '_' or '-' or '.')
            {
                upper = builder.Length > 0;
                continue;
            }

            builder.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }

        return builder.ToString();
    }

    private static Dictionary<string, double> Merge(IReadOnlyDictionary<string, double> current, IEnumerable<KeyValuePair<string, double>> values, bool eval)
    {
        var merged = new Dictionary<string, double>(current, StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            var statusName = StatusMetricName(name);
            if (statusName.Length == 0)
            {
                continue;
            }

            if (eval && !statusName.StartsWith("eval", StringComparison.Ordinal) && !statusName.StartsWith("retention", StringComparison.Ordinal)
                && !statusName.StartsWith("bias", StringComparison.Ordinal))
            {
                statusName = "eval" + char.ToUpperInvariant(statusName[0]) + statusName[1..];
            }

            if (double.IsFinite(value) && (merged.Count < 64 || merged.ContainsKey(statusName)))
            {
                merged[statusName] = value;
            }
        }

        return merged;
    }

    // Losses and perplexities improve downwards; accuracies and scores upwards.
    private static bool Better(string metricName, double candidate, double best) =>
        metricName.Contains("loss", StringComparison.OrdinalIgnoreCase) || metricName.Contains("perplexity", StringComparison.OrdinalIgnoreCase)
            ? candidate < best
            : candidate > best;

    private static string? Empty(string value) => string.IsNullOrEmpty(value) ? null : value;

    // The checkpoint's digest as sha256:<hex>; trainers before the prefix was introduced sent plain hex.
    private static string? CheckpointDigest(string value) =>
        value.Length == 64 && value.All(char.IsAsciiHexDigit) ? "sha256:" + value.ToLowerInvariant() : Empty(value);
}
