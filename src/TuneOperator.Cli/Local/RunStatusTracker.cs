using Google.Protobuf.WellKnownTypes;
using TuneOperator.Api;
using TuneOperator.Protos;

namespace TuneOperator.Cli.Local;

/// <summary>
/// Folds the trainer's events into a status shaped like the FineTuneJob status (phase, conditions, progress, metrics,
/// checkpoints, best checkpoint, output, lineage, the baseline metrics of the step-0 evaluation), and remembers the
/// latest evaluation for the live view and the summary.
/// </summary>
public sealed class RunStatusTracker
{
    private readonly TimeProvider time;

    /// <summary>Creates a tracker, continuing <paramref name="previous"/> when a run is resumed.</summary>
    /// <param name="time">The clock for condition transition times.</param>
    /// <param name="previous">The status of an earlier, interrupted run of the same job, or null.</param>
    /// <param name="parentJob">The job this one was fine-tuned from (its fromJob), for the lineage.</param>
    public RunStatusTracker(TimeProvider time, FineTuneJobStatus? previous = null, string? parentJob = null)
    {
        this.time = time;
        Status = previous ?? new FineTuneJobStatus();
        Status.Phase = JobPhase.Pending;
        Status.Checkpoints ??= [];
        foreach (var checkpoint in Status.Checkpoints.Append(Status.BestCheckpoint).OfType<CheckpointStatus>())
        {
            checkpoint.Sha256 = CheckpointDigest(checkpoint.Sha256 ?? string.Empty);
        }

        Status.Metrics ??= [];
        Status.StartTime ??= time.GetUtcNow();
        Status.CompletionTime = null;
        if (parentJob is not null)
        {
            Status.Lineage = (Status.Lineage ?? new JobLineage()) with { ParentJob = parentJob };
        }

        Set(ConditionTypes.Running, ConditionStatus.False, "Starting", "the trainer is starting");
    }

    /// <summary>The status so far.</summary>
    public FineTuneJobStatus Status { get; }

    /// <summary>
    /// The values of the evaluation before the first training step (the trainer's step-0 evaluation), keyed like
    /// <see cref="FineTuneJobStatus.Metrics"/>; kept in the status, so a resumed run still has it. Null when none was reported.
    /// </summary>
    public IReadOnlyDictionary<string, double>? Baseline => Status.BaselineMetrics;

    /// <summary>The values of the latest evaluation (keyed like the status metrics), or null.</summary>
    public IReadOnlyDictionary<string, double>? LastEval { get; private set; }

    /// <summary>The step of the latest evaluation (0 for the baseline), or null.</summary>
    public long? LastEvalStep { get; private set; }

    /// <summary>The latest progress event.</summary>
    public Progress? LastProgress { get; private set; }

    /// <summary>The completion payload, when the run finished.</summary>
    public Completed? Completed { get; private set; }

    /// <summary>The failure payload, when the run failed.</summary>
    public Failed? Failure { get; private set; }

    /// <summary>True when the run ended because it was stopped (Ctrl-C) before finishing.</summary>
    public bool Stopped { get; private set; }

    /// <summary>True once a final event (completed, failed, stopped) has been applied.</summary>
    public bool Ended => Completed is not null || Failure is not null || Stopped;

    /// <summary>Applies one trainer event.</summary>
    public void Apply(TrainerEvent trainerEvent)
    {
        ArgumentNullException.ThrowIfNull(trainerEvent);
        switch (trainerEvent.PayloadCase)
        {
            case TrainerEvent.PayloadOneofCase.Progress:
                ApplyProgress(trainerEvent.Progress);
                break;
            case TrainerEvent.PayloadOneofCase.Metrics:
                Merge(trainerEvent.Metrics.Values);
                break;
            case TrainerEvent.PayloadOneofCase.Eval:
                ApplyEval(trainerEvent.Eval);
                break;
            case TrainerEvent.PayloadOneofCase.CheckpointSaved:
                ApplyCheckpoint(trainerEvent.CheckpointSaved);
                break;
            case TrainerEvent.PayloadOneofCase.PhaseChanged:
                ApplyPhase(trainerEvent.PhaseChanged.Phase);
                break;
            case TrainerEvent.PayloadOneofCase.Completed:
                ApplyCompleted(trainerEvent.Completed);
                break;
            case TrainerEvent.PayloadOneofCase.Failed:
                MarkFailed(trainerEvent.Failed.Reason, trainerEvent.Failed.Message);
                Failure = trainerEvent.Failed;
                break;
            case TrainerEvent.PayloadOneofCase.None:
            default:
                break;
        }
    }

    /// <summary>Marks the run failed for a reason found outside the trainer's events (it exited, it never answered).</summary>
    public void MarkFailed(string reason, string message)
    {
        Failure ??= new Failed { Reason = reason, Message = message, Permanent = true };
        Status.Phase = JobPhase.Failed;
        Status.CompletionTime = time.GetUtcNow();
        Set(ConditionTypes.Running, ConditionStatus.False, reason, message);
        Set(ConditionTypes.Failed, ConditionStatus.True, reason, message);
        Set(ConditionTypes.Ready, ConditionStatus.False, reason, message);
    }

    /// <summary>Marks the run stopped on request (Ctrl-C): it can be resumed from its newest checkpoint.</summary>
    public void MarkStopped(string message)
    {
        Stopped = true;
        Status.Phase = JobPhase.Suspended;
        Set(ConditionTypes.Running, ConditionStatus.False, "Interrupted", message);
        Set(ConditionTypes.Suspended, ConditionStatus.True, "Interrupted", message);
    }

    /// <summary>The newest checkpoint recorded whose directory still exists, for <c>--resume</c>.</summary>
    public CheckpointStatus? NewestCheckpoint(Func<string, string> toLocalPath) =>
        Status.Checkpoints?
            .Where(c => Directory.Exists(toLocalPath(c.Path)))
            .OrderByDescending(c => c.Step)
            .FirstOrDefault();

    private void ApplyProgress(Progress progress)
    {
        LastProgress = progress;
        Status.Phase = JobPhase.Running;
        Status.Progress = new JobProgress
        {
            Step = progress.Step,
            TotalSteps = progress.TotalSteps,
            Epoch = progress.Epoch,
            Percent = progress.TotalSteps > 0 ? Math.Round(Math.Min(100, 100.0 * progress.Step / progress.TotalSteps), 1) : 0,
            TokensPerSecond = progress.TokensPerSecond,
            Eta = progress.EtaSeconds > 0 ? time.GetUtcNow().AddSeconds(progress.EtaSeconds) : null,
        };
        Status.Metrics![MetricNames.TrainLoss] = progress.Loss;
        Status.Metrics[MetricNames.LearningRate] = progress.LearningRate;
    }

    private void ApplyEval(EvalResult eval)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, value) in eval.Values.Take(64))
        {
            values[MetricKey(name)] = value;
        }

        LastEval = values;
        LastEvalStep = eval.Step;
        if (eval.Step == 0)
        {
            Status.BaselineMetrics = values;
        }

        Merge(values);
    }

    private void ApplyCheckpoint(Protos.CheckpointInfo info)
    {
        var checkpoint = new CheckpointStatus
        {
            Step = info.Step,
            Path = info.Path,
            Sha256 = CheckpointDigest(info.Sha256),
            Metric = string.IsNullOrEmpty(info.MetricName) ? null : info.Metric,
            Time = info.Time?.ToDateTimeOffset() ?? time.GetUtcNow(),
        };
        var list = Status.Checkpoints!;
        list.RemoveAll(c => c.Step == checkpoint.Step);
        list.Add(checkpoint);
        list.Sort((a, b) => a.Step.CompareTo(b.Step));
        if (checkpoint.Metric is { } metric && (Status.BestCheckpoint?.Metric is not { } best
            || (IsHigherBetter(info.MetricName) ? metric > best : metric < best)))
        {
            Status.BestCheckpoint = checkpoint;
        }
    }

    private void ApplyPhase(TrainerPhase phase)
    {
        switch (phase)
        {
            case TrainerPhase.Loading:
            case TrainerPhase.Training:
            case TrainerPhase.Evaluating:
            case TrainerPhase.Exporting:
                Status.Phase = JobPhase.Running;
                Set(ConditionTypes.Running, ConditionStatus.True, PhaseReason(phase), $"trainer phase {PhaseReason(phase)}");
                Set(ConditionTypes.Suspended, ConditionStatus.False, "Running", "the run is active");
                break;
            case TrainerPhase.Stopped:
                MarkStopped("the run was stopped; `tune run --resume` continues from the newest checkpoint");
                break;
            default:
                break;
        }
    }

    private void ApplyCompleted(Completed completed)
    {
        Completed = completed;
        Merge(completed.FinalMetrics);
        Status.Phase = JobPhase.Succeeded;
        Status.CompletionTime = time.GetUtcNow();
        Status.Output = new ModelArtifact
        {
            Path = completed.OutputPath,
            Digest = string.IsNullOrEmpty(completed.OutputDigest) ? null : completed.OutputDigest,
        };
        if (completed.Lineage is { } lineage)
        {
            Status.Lineage = (Status.Lineage ?? new JobLineage()) with
            {
                BaseModelDigest = Empty(lineage.BaseModelDigest),
                DatasetDigest = Empty(lineage.DatasetDigest),
                SpecHash = Empty(lineage.SpecHash),
            };
        }

        var reason = string.IsNullOrEmpty(completed.Reason) ? "Completed" : completed.Reason;
        Set(ConditionTypes.Running, ConditionStatus.False, reason, "training finished");
        Set(ConditionTypes.Succeeded, ConditionStatus.True, reason, $"output written to {completed.OutputPath}");
        Set(ConditionTypes.Ready, ConditionStatus.True, reason, "the output model is ready");
    }

    private void Merge(IEnumerable<KeyValuePair<string, double>> values)
    {
        foreach (var (name, value) in values)
        {
            var key = MetricKey(name);
            if (Status.Metrics!.Count < 64 || Status.Metrics.ContainsKey(key))
            {
                Status.Metrics[key] = value;
            }
        }
    }

    private void Set(string type, ConditionStatus status, string reason, string message) =>
        Status.Conditions = Conditions.Set(Status.Conditions, type, status, reason, message, 1, time);

    /// <summary>The status's camelCase name of a trainer metric (eval_loss becomes evalLoss).</summary>
    public static string MetricKey(string name)
    {
        var parts = name.Split('_', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 0
            ? name
            : parts[0] + string.Concat(parts.Skip(1).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
    }

    private static string? Empty(string value) => string.IsNullOrEmpty(value) ? null : value;

    // The checkpoint's digest as sha256:<hex>; trainers before the prefix was introduced sent plain hex.
    private static string? CheckpointDigest(string value) =>
        value.Length == 64 && value.All(char.IsAsciiHexDigit) ? "sha256:" + value.ToLowerInvariant() : Empty(value);

    private static bool IsHigherBetter(string metricName) =>
        metricName.Contains("accuracy", StringComparison.OrdinalIgnoreCase) || metricName.Contains("f1", StringComparison.OrdinalIgnoreCase)
        || metricName.Contains("exact", StringComparison.OrdinalIgnoreCase);

    private static string PhaseReason(TrainerPhase phase) => phase switch
    {
        TrainerPhase.Loading => "Loading",
        TrainerPhase.Training => "Training",
        TrainerPhase.Evaluating => "Evaluating",
        TrainerPhase.Exporting => "Exporting",
        _ => "Running",
    };
}
