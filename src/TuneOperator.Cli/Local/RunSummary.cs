using System.Globalization;
using TuneOperator.Api;

namespace TuneOperator.Cli.Local;

/// <summary>The end-of-run summary: metrics before → after, retention, bias gap, dropped rows, checkpoints, output.</summary>
public static class RunSummary
{
    /// <summary>Writes the summary of <paramref name="tracker"/>'s run to <paramref name="output"/>.</summary>
    public static void Write(TextWriter output, string jobName, RunStatusTracker tracker, IReadOnlyList<string> statusFiles)
    {
        var status = tracker.Status;
        output.WriteLine();
        output.WriteLine($"== {jobName}: {status.Phase}{Reason(tracker)}");
        if (tracker.EvalCount > 1 && tracker.FirstEval is { } before && tracker.LastEval is { } after)
        {
            foreach (var name in before.Keys.Intersect(after.Keys).Order(StringComparer.Ordinal))
            {
                output.WriteLine(Invariant($"   {name,-22} {before[name],10:0.####} -> {after[name]:0.####}"));
            }
        }
        else if (tracker.LastEval is { } only)
        {
            foreach (var (name, value) in only.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                output.WriteLine(Invariant($"   {name,-22} {value,10:0.####}"));
            }
        }

        var metrics = status.Metrics ?? [];
        if (metrics.TryGetValue(MetricNames.RetentionRegression, out var regression))
        {
            var loss = metrics.TryGetValue(MetricNames.RetentionPerplexity, out var l) ? Invariant($" (retention perplexity {l:0.####})") : "";
            output.WriteLine(Invariant($"   retention: {regression:+0.##%;-0.##%;0%} change on held-back general data{loss}"));
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
            output.WriteLine($"   checkpoints: {checkpoints.Count}, newest step {checkpoints[^1].Step} at {checkpoints[^1].Path}");
            if (status.BestCheckpoint is { } best)
            {
                output.WriteLine(Invariant($"   best checkpoint: step {best.Step} (metric {best.Metric:0.####})"));
            }
        }

        if (status.Output is { } model)
        {
            output.WriteLine($"   output: {model.Path}");
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

    private static string Reason(RunStatusTracker tracker) =>
        tracker.Failure is { } failure ? $" ({failure.Reason}: {failure.Message})"
        : tracker.Completed is { Reason.Length: > 0 } completed ? $" ({completed.Reason})"
        : "";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
