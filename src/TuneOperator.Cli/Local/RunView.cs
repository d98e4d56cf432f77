using System.Globalization;
using Spectre.Console;
using TuneOperator.Protos;

namespace TuneOperator.Cli.Local;

/// <summary>How a run's progress is shown: a live Spectre.Console view on a terminal, plain lines otherwise.</summary>
public abstract class RunView
{
    /// <summary>Where lines (and the summary) are written.</summary>
    public abstract TextWriter Out { get; }

    /// <summary>Chooses the live view when <paramref name="output"/> is the console on a terminal and <paramref name="plain"/> is off.</summary>
    public static RunView Create(TextWriter output, bool plain) =>
        !plain && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive
            ? new LiveRunView(output)
            : new PlainRunView(output);

    /// <summary>Runs <paramref name="work"/> while showing the events it reports through the callback it receives.</summary>
    public abstract Task<T> ShowAsync<T>(string jobName, Func<Action<TrainerEvent, RunStatusTracker>, Task<T>> work);

    /// <summary>One line describing the progress: step/total, loss, eval metric, tokens/s, ETA.</summary>
    public static string ProgressLine(RunStatusTracker tracker)
    {
        var progress = tracker.LastProgress;
        if (progress is null)
        {
            return "starting";
        }

        var parts = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"step {progress.Step}/{progress.TotalSteps}"),
            string.Create(CultureInfo.InvariantCulture, $"loss {progress.Loss:0.0000}"),
        };
        if (tracker.LastEval is { } eval && HeadlineMetric(eval) is { } headline)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{headline.Key} {headline.Value:0.####}"));
        }

        parts.Add(string.Create(CultureInfo.InvariantCulture, $"{progress.TokensPerSecond:0} tok/s"));
        if (progress.EtaSeconds > 0)
        {
            parts.Add($"ETA {FormatDuration(TimeSpan.FromSeconds(progress.EtaSeconds))}");
        }

        return string.Join("  ", parts);
    }

    /// <summary>The evaluation metric worth showing first: exact match or accuracy, else the eval loss.</summary>
    public static KeyValuePair<string, double>? HeadlineMetric(IReadOnlyDictionary<string, double> eval)
    {
        foreach (var name in new[] { "exactMatch", "exact_match", "evalAccuracy", "accuracy", "evalF1", "f1_macro", "evalLoss", "eval_loss" })
        {
            if (eval.TryGetValue(name, out var value))
            {
                return new(name, value);
            }
        }

        return eval.Count > 0 ? eval.OrderBy(p => p.Key, StringComparer.Ordinal).First() : null;
    }

    /// <summary>A duration as m:ss or h:mm:ss.</summary>
    public static string FormatDuration(TimeSpan duration) =>
        duration.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalHours}:{duration.Minutes:00}:{duration.Seconds:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalMinutes}:{duration.Seconds:00}");

    /// <summary>A line for an event other than progress (phase, evaluation, checkpoint, end), or null.</summary>
    public static string? EventLine(TrainerEvent trainerEvent) => trainerEvent.PayloadCase switch
    {
        TrainerEvent.PayloadOneofCase.PhaseChanged => $"phase {trainerEvent.PhaseChanged.Phase.ToString().ToLowerInvariant()}",
        TrainerEvent.PayloadOneofCase.Eval => string.Create(CultureInfo.InvariantCulture,
            $"eval at step {trainerEvent.Eval.Step}: {string.Join(", ", trainerEvent.Eval.Values.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value:0.####}")))}{(trainerEvent.Eval.Improved ? " (improved)" : "")}"),
        TrainerEvent.PayloadOneofCase.CheckpointSaved => $"checkpoint at step {trainerEvent.CheckpointSaved.Step}: {trainerEvent.CheckpointSaved.Path}",
        TrainerEvent.PayloadOneofCase.Completed => $"completed ({(string.IsNullOrEmpty(trainerEvent.Completed.Reason) ? "Completed" : trainerEvent.Completed.Reason)}): {trainerEvent.Completed.OutputPath}",
        TrainerEvent.PayloadOneofCase.Failed => $"failed: {trainerEvent.Failed.Reason}: {trainerEvent.Failed.Message}",
        _ => null,
    };
}

/// <summary>Plain lines, for logs and pipes: a progress line about every 5% of the steps, and every other event.</summary>
/// <param name="output">Where the lines go.</param>
public sealed class PlainRunView(TextWriter output) : RunView
{
    /// <inheritdoc />
    public override TextWriter Out => output;

    /// <inheritdoc />
    public override Task<T> ShowAsync<T>(string jobName, Func<Action<TrainerEvent, RunStatusTracker>, Task<T>> work)
    {
        long lastShownStep = -1;
        return work((trainerEvent, tracker) =>
        {
            if (trainerEvent.PayloadCase == TrainerEvent.PayloadOneofCase.Progress)
            {
                var progress = trainerEvent.Progress;
                var every = Math.Max(1, progress.TotalSteps / 20);
                if (progress.Step == progress.TotalSteps || progress.Step - lastShownStep >= every || lastShownStep < 0)
                {
                    lastShownStep = progress.Step;
                    output.WriteLine($"[{jobName}] {ProgressLine(tracker)}");
                }

                return;
            }

            if (EventLine(trainerEvent) is { } line)
            {
                output.WriteLine($"[{jobName}] {line}");
            }
        });
    }
}

/// <summary>A Spectre.Console progress bar with step/total, loss, eval metric, tokens/s and ETA, for terminals.</summary>
/// <param name="output">The console's writer (the summary is written there afterwards).</param>
public sealed class LiveRunView(TextWriter output) : RunView
{
    /// <inheritdoc />
    public override TextWriter Out => output;

    /// <inheritdoc />
    public override Task<T> ShowAsync<T>(string jobName, Func<Action<TrainerEvent, RunStatusTracker>, Task<T>> work) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape($"{jobName}: starting"), maxValue: 1);
                return await work((trainerEvent, tracker) =>
                {
                    if (trainerEvent.PayloadCase == TrainerEvent.PayloadOneofCase.Progress)
                    {
                        task.MaxValue = Math.Max(1, trainerEvent.Progress.TotalSteps);
                        task.Value = trainerEvent.Progress.Step;
                    }
                    else if (EventLine(trainerEvent) is { } line && trainerEvent.PayloadCase != TrainerEvent.PayloadOneofCase.PhaseChanged)
                    {
                        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]");
                    }

                    task.Description = Markup.Escape($"{jobName}: {ProgressLine(tracker)}");
                    if (tracker.Ended)
                    {
                        task.Value = task.MaxValue;
                        task.StopTask();
                    }
                });
            });
}
