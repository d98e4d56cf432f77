using System.Globalization;
using System.Text;

namespace TuneOperator.Bench.Operator;

/// <summary>Formats results as a Markdown table, one column per run, with the targets.</summary>
internal static class ResultTable
{
    /// <summary>The table.</summary>
    public static string Format(IReadOnlyList<BenchResult> results)
    {
        var rows = new List<(string Name, string Target, Func<BenchResult, string> Value)>
        {
            ("FineTuneJobs created", "", r => F(r.Jobs, "0")),
            ("operator workers / GC", "", r => $"{r.Workers} / {r.GcMode}"),
            ("achieved create rate (/s)", "", r => F(r.AchievedCreateRate, "0.0")),
            ("jobs with a pod", "all", r => F(r.JobsWithPod, "0")),
            ("CR created → pod p50 (ms)", "", r => F(r.LatencyP50Ms, "0.0")),
            ("CR created → pod p99 (ms)", "≤ 500 at 10k", r => F(r.LatencyP99Ms, "0.0")),
            ("CR created → pod max (ms)", "", r => F(r.LatencyMaxMs, "0.0")),
            ("server-side p50 / p99 / max (s, 1 s resolution)", "", r => $"{F(r.ServerLatencyP50Seconds, "0")} / {F(r.ServerLatencyP99Seconds, "0")} / {F(r.ServerLatencyMaxSeconds, "0")}"),
            ("mean work-queue wait (ms)", "", r => F(r.MeanQueueWaitMs, "0.0")),
            ("mean reconcile duration (ms)", "", r => F(r.MeanReconcileMs, "0.0")),
            ("reconciles", "", r => F(r.Reconciles, "0")),
            ("reconciles/s (run average)", "", r => F(r.ReconcilesPerSecond, "0.0")),
            ("reconciles/s (peak, 1 s)", "", r => F(r.PeakReconcilesPerSecond, "0.0")),
            ("idle working set (MiB)", "≤ 40 MB", r => F(r.IdleWorkingSetBytes / 1048576.0, "0.0")),
            ("idle resident: anonymous / file-backed (MiB)", "", r => $"{F(r.IdleAnonymousBytes / 1048576.0, "0.0")} / {F(r.IdleFileBackedBytes / 1048576.0, "0.0")}"),
            ("idle managed heap (MiB)", "", r => F(r.IdleManagedHeapBytes / 1048576.0, "0.0")),
            ("working set with N jobs (MiB)", "", r => F(r.LoadedWorkingSetBytes / 1048576.0, "0.0")),
            ("with N jobs: anonymous / file-backed (MiB)", "", r => $"{F(r.LoadedAnonymousBytes / 1048576.0, "0.0")} / {F(r.LoadedFileBackedBytes / 1048576.0, "0.0")}"),
            ("working set per cached CR (KiB)", "≤ 6 KiB", r => F(r.WorkingSetPerJobBytes / 1024.0, "0.00")),
            ("managed heap per cached CR (KiB)", "", r => F(r.ManagedHeapPerJobBytes / 1024.0, "0.00")),
            ("load average at start", "", r => r.LoadAverageAtStart),
        };
        var text = new StringBuilder();
        text.Append("| metric | target |").AppendJoin("", results.Select(r => $" {r.Jobs} jobs |")).AppendLine();
        text.Append("| --- | --- |").AppendJoin("", results.Select(_ => " ---: |")).AppendLine();
        foreach (var (name, target, value) in rows)
        {
            text.Append($"| {name} | {target} |").AppendJoin("", results.Select(r => $" {value(r)} |")).AppendLine();
        }

        return text.ToString();
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
