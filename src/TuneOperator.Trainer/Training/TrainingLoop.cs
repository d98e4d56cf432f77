using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using TuneOperator.Trainer.Checkpoints;
using TuneOperator.Trainer.Evaluation;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Training;

/// <summary>
/// The training loop. <see cref="Run"/> runs synchronously on the calling thread (TorchSharp's dispose scopes are
/// per thread; hosts run it on a dedicated thread): each optimizer step accumulates
/// <see cref="TrainingOptions.GradientAccumulationSteps"/> micro-batches inside one dispose scope, clips, and applies
/// AdamW at the scheduled learning rate; evaluation, guards, early stopping and checkpoints run at step boundaries,
/// where pause, on-demand checkpoints and cooperative stops are honoured too.
/// </summary>
public sealed class TrainingLoop(ILogger<TrainingLoop>? logger = null, TimeProvider? timeProvider = null)
{
    private readonly ILogger logger = logger ?? NullLogger<TrainingLoop>.Instance;
    private readonly TimeProvider time = timeProvider ?? TimeProvider.System;

    /// <summary>Runs (or, given <paramref name="resumeFrom"/>, continues) a run until it completes or stops.</summary>
    /// <param name="run">The model, objective, data and options.</param>
    /// <param name="resumeFrom">A checkpoint to continue from exactly; null starts afresh.</param>
    /// <param name="cancellationToken">Cancellation stops cooperatively at the next step boundary (with a checkpoint).</param>
    /// <exception cref="ArgumentException">The options are invalid; the message names every bad field.</exception>
    public TrainingResult Run(TrainingRun run, CheckpointInfo? resumeFrom, CancellationToken cancellationToken)
    {
        var options = run.Options;
        var totalSteps = options.TotalSteps(run.Data.BatchesPerEpoch);
        var schedule = options.ScheduleFor(totalSteps);
        var problems = options.Validate().Concat(schedule.Validate()).ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid training options: " + string.Join(" ", problems), nameof(run));
        }

        var model = run.Model;
        var device = model.parameters().FirstOrDefault()?.device ?? CPU;
        using var optimizer = CreateOptimizer(model, options);
        var session = new Session(run, optimizer, totalSteps, device);

        if (resumeFrom is not null)
        {
            var state = TrainingCheckpoint.Restore(resumeFrom.Path, model, optimizer);
            session.Step = state.Step;
            run.Data.Seek(state.Position);
            if (run.EarlyStopping is not null && state.EarlyStopping is not null)
            {
                run.EarlyStopping.State = state.EarlyStopping;
            }

            foreach (var guard in run.Guards)
            {
                guard.Baseline = BaselineOf(state, guard);
            }

            session.BestStep = state.BestStep;
            session.Best = state.BestStep is { } best ? run.Checkpoints?.List().FirstOrDefault(c => c.Step == best) : null;
            session.LastSavedStep = state.Step;
            if (state.TotalSteps != totalSteps)
            {
                TrainingLog.TotalStepsChanged(logger, state.TotalSteps, totalSteps);
            }

            TrainingLog.Resumed(logger, resumeFrom.Path, state.Step);
        }
        else
        {
            manual_seed(options.Seed);
            if (device.type == DeviceType.CUDA)
            {
                cuda.manual_seed_all(options.Seed);
            }

            run.Data.Seek(BatchPosition.Start);
            foreach (var guard in run.Guards)
            {
                guard.MeasureBaseline(model, cancellationToken);
            }

            if (options.EvaluateAtStart && (run.Evaluators.Count > 0 || run.Guards.Count > 0))
            {
                EvaluateBaseline(session, cancellationToken);
            }
        }

        run.Checkpoints?.DeleteIncomplete();
        TrainingLog.Starting(logger, totalSteps, session.Step, options.Precision, device.type);
        try
        {
            var result = Loop(session, schedule, cancellationToken);
            TrainingLog.Finished(logger, result.Step, totalSteps, result.Reason);
            return result;
        }
        finally
        {
            session.DisposeBestWeights();
        }
    }

    private static AdamW CreateOptimizer(nn.Module<Tensor, Tensor> model, TrainingOptions options)
    {
        Dictionary<string, Tensor>? masters = null;
        if (options.Precision == ComputePrecision.BFloat16)
        {
            using (no_grad())
            {
                masters = model.named_parameters()
                    .Where(p => p.parameter.requires_grad)
                    .ToDictionary(p => p.name, p => p.parameter.detach().to_type(ScalarType.Float32).clone().DetachFromDisposeScope());
            }

            model.to(ScalarType.BFloat16);
        }

        try
        {
            var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, (Tensor)p.parameter));
            return new AdamW(trainable, options.AdamW, masters);
        }
        finally
        {
            if (masters is not null)
            {
                foreach (var master in masters.Values)
                {
                    master.Dispose();
                }
            }
        }
    }

    private static double? BaselineOf(TrainerState state, ITrainingGuard guard)
        => state.GuardBaselines.TryGetValue(GuardKey(guard), out var value) ? value : null;

    private static string GuardKey(ITrainingGuard guard) => guard.GetType().Name;

    private TrainingResult Loop(Session session, LearningRateSchedule schedule, CancellationToken cancellationToken)
    {
        var run = session.Run;
        var options = run.Options;
        var startedAt = time.GetTimestamp();
        var stepsThisRun = 0;
        StopReason? stop = null;
        try
        {
            while (stop is null && session.Step < session.TotalSteps)
            {
                if (!WaitForNextStep(session, cancellationToken))
                {
                    stop = StopReason.Cancelled;
                    break;
                }

                session.Step++;
                var stepStart = time.GetTimestamp();
                var (loss, gradientNorm, learningRate, tokens) = TrainStep(session, schedule);
                NativeHeapTrim.AfterStep(session.Step);
                stepsThisRun++;
                session.LastLearningRate = learningRate;
                session.Losses.Add(new StepLoss(session.Step, loss));
                if (!double.IsFinite(loss))
                {
                    TrainingLog.LossNotFinite(logger, session.Step, loss);
                    session.FailureReason = "LossNotFinite";
                    session.FailureMessage = string.Format(CultureInfo.InvariantCulture, "The training loss of step {0} is {1}; lower the learning rate or check the data.", session.Step, loss);
                    stop = StopReason.LossNotFinite;
                    break;
                }

                var stepSeconds = Math.Max(time.GetElapsedTime(stepStart).TotalSeconds, 1e-9);
                var meanStep = time.GetElapsedTime(startedAt).TotalSeconds / stepsThisRun;
                var position = run.Data.Position;
                run.Events?.Report(new StepCompleted(
                    session.Step,
                    session.TotalSteps,
                    position.Epoch + ((double)position.Index / run.Data.BatchesPerEpoch),
                    loss,
                    learningRate,
                    gradientNorm,
                    tokens / stepSeconds,
                    TimeSpan.FromSeconds(meanStep * (session.TotalSteps - session.Step))));

                if (options.EvaluationEverySteps > 0 && session.Step % options.EvaluationEverySteps == 0)
                {
                    stop = Evaluate(session, cancellationToken);
                }

                if (stop is null && run.Checkpoints is not null && options.CheckpointEverySteps > 0 && session.Step % options.CheckpointEverySteps == 0 && session.LastSavedStep != session.Step)
                {
                    Save(session, isBest: false);
                }
            }

            if (stop is null && session.Step >= session.TotalSteps)
            {
                stop = StopReason.Completed;
                if (session.LastEvaluatedStep != session.Step && (run.Evaluators.Count > 0 || run.Guards.Count > 0))
                {
                    stop = Evaluate(session, cancellationToken) ?? StopReason.Completed;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A cooperative stop that arrived during an evaluation: the step's weights are complete.
            stop = StopReason.Cancelled;
        }

        var reason = stop ?? StopReason.Cancelled;
        var saveAtEnd = reason != StopReason.LossNotFinite
            && (reason != StopReason.Cancelled || (options.CheckpointOnStop && !(run.Control is { StopRequested: true, GracefulStop: false })))
            && session.LastSavedStep != session.Step
            && session.Step > 0;
        if (run.Checkpoints is not null && saveAtEnd)
        {
            Save(session, isBest: false);
        }

        foreach (var pending in run.Control?.TakeCheckpointRequests() ?? [])
        {
            if (session.Last is not null && session.Last.Step == session.Step)
            {
                pending.TrySetResult(session.Last);
            }
            else
            {
                pending.TrySetException(new InvalidOperationException("The run ended before the requested checkpoint could be written."));
            }
        }

        var restoredBest = reason is StopReason.Completed or StopReason.EarlyStopped && RestoreBest(session);
        return new TrainingResult(
            reason,
            session.Step,
            session.TotalSteps,
            session.Losses,
            session.Metrics,
            session.FailureReason,
            session.FailureMessage,
            session.Last,
            session.Best,
            session.BestStep,
            restoredBest);
    }

    /// <summary>
    /// With <see cref="TrainingOptions.RestoreBestWeights"/> and early stopping, puts the best evaluation's weights back
    /// into the model (from the best checkpoint, or from the in-memory copy of a run without a checkpoint store);
    /// false when the last step is the best or there is nothing to restore.
    /// </summary>
    private bool RestoreBest(Session session)
    {
        var run = session.Run;
        if (!run.Options.RestoreBestWeights || run.EarlyStopping is null || session.BestStep is not { } best || best == session.Step)
        {
            return false;
        }

        if (session.BestWeights is { } kept)
        {
            TrainingCheckpoint.RestoreWeights(kept, run.Model, $"the in-memory weights of step {best}", run.Options.CheckpointWeights);
        }
        else if (session.Best is { } checkpoint && checkpoint.Step == best)
        {
            TrainingCheckpoint.RestoreWeights(checkpoint.Path, run.Model);
        }
        else
        {
            TrainingLog.BestWeightsUnavailable(logger, best);
            return false;
        }

        TrainingLog.BestWeightsRestored(logger, best, session.Step);
        return true;
    }

    /// <summary>Honours pause and checkpoint requests; false when cancelled.</summary>
    private bool WaitForNextStep(Session session, CancellationToken cancellationToken)
    {
        var control = session.Run.Control;
        while (true)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            if (control is null)
            {
                return true;
            }

            var requests = control.TakeCheckpointRequests();
            if (requests.Count > 0)
            {
                if (session.Run.Checkpoints is null)
                {
                    foreach (var request in requests)
                    {
                        request.TrySetException(new InvalidOperationException("This run has no checkpoint location; set checkpoint.location to save checkpoints."));
                    }
                }
                else
                {
                    var saved = session.LastSavedStep == session.Step && session.Last is not null ? session.Last : Save(session, isBest: false);
                    foreach (var request in requests)
                    {
                        request.TrySetResult(saved);
                    }
                }
            }

            if (control.StopRequested)
            {
                return false;
            }

            if (!control.IsPaused)
            {
                return true;
            }

            try
            {
                control.WaitWhilePaused(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    private static (double Loss, double GradientNorm, double LearningRate, long Tokens) TrainStep(Session session, LearningRateSchedule schedule)
    {
        var run = session.Run;
        var options = run.Options;
        using var scope = NewDisposeScope();
        run.Model.train();
        session.Optimizer.ZeroGrad();
        if (session.Device.type == DeviceType.CUDA)
        {
            // libtorch exposes no CUDA generator state to save, so CUDA randomness is re-seeded from (seed, step):
            // a resumed run draws the same dropout masks as an uninterrupted one.
            cuda.manual_seed_all(unchecked((options.Seed * 1_000_003) + session.Step));
        }

        var batches = new List<Batch>(options.GradientAccumulationSteps);
        for (var i = 0; i < options.GradientAccumulationSteps; i++)
        {
            batches.Add(run.Data.Next());
        }

        var targets = batches.Sum(run.Objective.CountTargets);
        var denominator = Math.Max(1, targets);
        double loss = 0;
        long tokens = 0;
        foreach (var batch in batches)
        {
            var part = run.Objective.LossSum(run.Model, batch).div(denominator);
            part.backward();
            loss += part.item<float>();
            tokens += batch.InputIds.numel();
        }

        var gradientNorm = session.Optimizer.ClipGradients(options.MaxGradNorm);
        var learningRate = schedule.At(session.Step);
        if (double.IsFinite(loss))
        {
            session.Optimizer.Step(learningRate);
        }

        session.Optimizer.ZeroGrad();
        return (loss, gradientNorm, learningRate, tokens);
    }

    /// <summary>
    /// Evaluates the starting model (step 0) and reports it. Only measures: no early-stopping observation, no checkpoint,
    /// and a guard bound already exceeded here is not acted on (the guards judge what training changes). A stop that
    /// arrives meanwhile ends the evaluation; the loop then stops before its first step.
    /// </summary>
    private void EvaluateBaseline(Session session, CancellationToken cancellationToken)
    {
        var run = session.Run;
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        ClassificationMetrics? classification = null;
        try
        {
            foreach (var evaluator in run.Evaluators)
            {
                var result = evaluator.Evaluate(run.Model, cancellationToken);
                foreach (var (key, measured) in result.Metrics)
                {
                    metrics[key] = measured;
                }

                classification ??= result.Classification;
            }

            foreach (var guard in run.Guards)
            {
                foreach (var (key, measured) in guard.Check(run.Model, cancellationToken).Metrics)
                {
                    metrics[key] = measured;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        TrainingLog.BaselineEvaluated(logger, metrics.Count);
        run.Events?.Report(new EvaluationCompleted(0, metrics, classification));
    }

    /// <summary>Runs evaluators, guards and early stopping; returns a stop reason when training must end.</summary>
    private StopReason? Evaluate(Session session, CancellationToken cancellationToken)
    {
        var run = session.Run;
        var step = session.Step;
        session.LastEvaluatedStep = step;
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        ClassificationMetrics? classification = null;
        foreach (var evaluator in run.Evaluators)
        {
            var result = evaluator.Evaluate(run.Model, cancellationToken);
            foreach (var (key, measured) in result.Metrics)
            {
                metrics[key] = measured;
            }

            classification ??= result.Classification;
        }

        StopReason? stop = null;
        foreach (var guard in run.Guards)
        {
            var result = guard.Check(run.Model, cancellationToken);
            foreach (var (key, measured) in result.Metrics)
            {
                metrics[key] = measured;
            }

            if (!result.Breached)
            {
                continue;
            }

            TrainingLog.GuardBreached(logger, result.Reason, result.Message);
            if (result.Action == GuardAction.Fail && stop is null)
            {
                session.FailureReason = result.Reason;
                session.FailureMessage = result.Message;
                stop = StopReason.GuardFailed;
            }
            else if (result.Action == GuardAction.Warn)
            {
                run.Events?.Report(new GuardWarning(step, result));
            }
        }

        session.Metrics = metrics;
        run.Events?.Report(new EvaluationCompleted(step, metrics, classification));
        if (stop is not null || run.EarlyStopping is not { } early)
        {
            return stop;
        }

        if (!metrics.TryGetValue(early.Metric, out var value))
        {
            throw new InvalidOperationException($"evaluation.earlyStopping.metric '{early.Metric}' is not produced by the configured evaluators; available: {string.Join(", ", metrics.Keys.Order(StringComparer.Ordinal))}.");
        }

        var decision = early.Observe(step, value);
        if (decision.Improved)
        {
            session.BestStep = step;
            if (run.Checkpoints is not null)
            {
                Save(session, isBest: true);
            }
            else if (run.Options.RestoreBestWeights)
            {
                session.KeepBestWeights(TrainingCheckpoint.CopyWeights(run.Model, run.Options.CheckpointWeights));
            }
        }

        if (decision.ShouldStop)
        {
            TrainingLog.EarlyStopped(logger, step, early.Metric, early.Patience);
            return StopReason.EarlyStopped;
        }

        return null;
    }

    private CheckpointInfo Save(Session session, bool isBest)
    {
        var run = session.Run;
        var store = run.Checkpoints ?? throw new InvalidOperationException("This run has no checkpoint store.");
        var options = run.Options;
        var baselines = run.Guards
            .Where(g => g.Baseline is not null)
            .ToDictionary(GuardKey, g => g.Baseline!.Value, StringComparer.Ordinal);
        var state = new TrainerState(
            session.Step,
            session.TotalSteps,
            run.Data.Position,
            session.Optimizer.StepCount,
            options.Seed,
            session.LastLearningRate,
            run.EarlyStopping?.State,
            baselines,
            session.BestStep,
            options.CheckpointWeights);
        var metricName = run.EarlyStopping?.Metric ?? (session.Metrics.ContainsKey(MetricNames.EvalLoss) ? MetricNames.EvalLoss : null);
        double? metricValue = metricName is not null && session.LastEvaluatedStep == session.Step && session.Metrics.TryGetValue(metricName, out var v) ? v : null;
        var info = store.Save(session.Step, directory => TrainingCheckpoint.Write(directory, run.Model, session.Optimizer, state), metricValue is null ? null : metricName, metricValue);
        session.Last = info;
        session.LastSavedStep = session.Step;
        if (isBest || session.BestStep == session.Step)
        {
            session.Best = info;
        }

        store.Prune(options.KeepLast, session.BestStep);
        TrainingLog.CheckpointSaved(logger, info.Step, info.Path);
        run.Events?.Report(new CheckpointSaved(info.Step, info, session.Best?.Step == info.Step));
        return info;
    }

    private sealed class Session(TrainingRun run, AdamW optimizer, int totalSteps, Device device)
    {
        public TrainingRun Run { get; } = run;

        public AdamW Optimizer { get; } = optimizer;

        public int TotalSteps { get; } = totalSteps;

        public Device Device { get; } = device;

        public int Step { get; set; }

        public double LastLearningRate { get; set; }

        public int? LastEvaluatedStep { get; set; }

        public int? LastSavedStep { get; set; }

        public int? BestStep { get; set; }

        public CheckpointInfo? Last { get; set; }

        public CheckpointInfo? Best { get; set; }

        public IReadOnlyDictionary<string, double> Metrics { get; set; } = new Dictionary<string, double>();

        public List<StepLoss> Losses { get; } = [];

        public string? FailureReason { get; set; }

        public string? FailureMessage { get; set; }

        /// <summary>A CPU copy of the best step's weights, kept only when there is no checkpoint store to restore them from.</summary>
        public Dictionary<string, Tensor>? BestWeights { get; private set; }

        public void KeepBestWeights(Dictionary<string, Tensor> weights)
        {
            DisposeBestWeights();
            BestWeights = weights;
        }

        public void DisposeBestWeights()
        {
            if (BestWeights is null)
            {
                return;
            }

            foreach (var weight in BestWeights.Values)
            {
                weight.Dispose();
            }

            BestWeights = null;
        }
    }
}
