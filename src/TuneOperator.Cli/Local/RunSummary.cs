using System.Globalization;
using TuneOperator.Api;

namespace TuneOperator.Cli.Local;

/// <summary>
/// The end-of-run summary: held-out metrics before (the trainer's step-0 evaluation) → after, retention, bias gap,
/// dropped rows, checkpoints, output and the status files.
/// </summary>
public static class RunSummary
{
    /// <summary>Writes the summary of <paramref name="tracker"/>'s run to <paramref name="output"/>.</summary>
    public static void Write(TextWriter output, string jobName, RunStatusTracker tracker, IReadOnlyList<string> statusFiles)
    {
        var status = tracker.Status;
        output.WriteLine();
        output.WriteLine($"== {jobName}: {status.Phase}{Reason(tracker)}");
        var baseline = tracker.Baseline;
        if (baseline is not null && tracker.LastEval is { } after && tracker.LastEvalStep > 0)
        {
            output.WriteLine(Invariant($"   {"held-out evaluation",-22} {"before",10} -> after (step 0 -> step {tracker.LastEvalStep})"));
            foreach (var name in baseline.Keys.Intersect(after.Keys).Where(IsEvaluationMetric).Order(StringComparer.Ordinal))
            {
                output.WriteLine(Invariant($"   {name,-22} {baseline[name],10:0.####} -> {after[name]:0.####}"));
            }
        }
        else if (tracker.LastEval is { } only)
        {
            output.WriteLine(tracker.LastEvalStep == 0 ? "   held-out evaluation before training (step 0):" : $"   held-out evaluation at step {tracker.LastEvalStep}:");
            foreach (var (name, value) in only.Where(p => IsEvaluationMetric(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                output.WriteLine(Invariant($"   {name,-22} {value,10:0.####}"));
            }
        }

        var metrics = status.Metrics ?? [];
        if (metrics.TryGetValue(MetricNames.RetentionRegression, out var regression))
        {
            var perplexity = !metrics.TryGetValue(MetricNames.RetentionPerplexity, out var now) ? ""
                : baseline is not null && baseline.TryGetValue(MetricNames.RetentionPerplexity, out var before) ? Invariant($" (perplexity {before:0.##} -> {now:0.##})")
                : Invariant($" (retention perplexity {now:0.####})");
            output.WriteLine(Invariant($"   retention: {regression:+0.##%;-0.##%;0%} perplexity change on held-back general data{perplexity}"));
        }

        if (metrics.TryGetValue(MetricNames.BiasGap, out var gap))
        {
            output.WriteLine(Invariant($"   bias gap: {gap:0.####}"));
        }

        if (metrics.TryGetValue(MetricNames.DroppedRows, out var dropped))
        {
            output.WriteLine(Invariant($"   data: {dropped:0} rows dropped in preprocessing (see `tune data` for reasons and line numbers)"));
        }

        if (status.Checkpoints is { Count: > 0 } checkpoints)
        {
            var newest = checkpoints[^1];
            output.WriteLine($"   checkpoints: {checkpoints.Count}, newest step {newest.Step} at {newest.Path}{(newest.Sha256 is null ? "" : $" ({newest.Sha256})")}");
            if (status.BestCheckpoint is { } best)
            {
                output.WriteLine(Invariant($"   best checkpoint: step {best.Step} (metric {best.Metric:0.####})"));
            }
        }

        if (status.Output is { } model)
        {
            output.WriteLine($"   output: {model.Path}{(model.Digest is null ? "" : $" ({model.Digest})")}");
        }

        if (tracker.Stopped)
        {
            output.WriteLine("   interrupted: `tune run --resume <manifest>` continues from the newest checkpoint");
        }

        foreach (var file in statusFiles)
        {
            output.WriteLine($"   status: {file}");
        }
    }

    /// <summary>Evaluation results worth comparing; the data report's counts are shown on their own line.</summary>
    private static bool IsEvaluationMetric(string name) => !name.StartsWith(MetricNames.DroppedRows, StringComparison.Ordinal);

    private static string Reason(RunStatusTracker tracker) =>
        tracker.Failure is { } failure ? $" ({failure.Reason}: {failure.Message})"
        : tracker.Completed is { Reason.Length: > 0 } completed ? $" ({completed.Reason})"
        : "";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
