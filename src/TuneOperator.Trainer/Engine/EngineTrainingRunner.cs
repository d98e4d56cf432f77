using System.Text.Json;
using Microsoft.Extensions.Logging;
using TorchSharp;
using TuneOperator.Api;
using TuneOperator.Data.Datasets;
using TuneOperator.Data.ModelFiles;
using TuneOperator.Data.Tokenization;
using TuneOperator.Protos;
using TuneOperator.Trainer.Checkpoints;
using TuneOperator.Trainer.Control;
using TuneOperator.Trainer.Evaluation;
using TuneOperator.Trainer.Export;
using TuneOperator.Trainer.Models;
using TuneOperator.Trainer.Peft;
using TuneOperator.Trainer.Training;
using static TorchSharp.torch;
using EvaluatorMetricNames = TuneOperator.Trainer.Evaluation.MetricNames;

namespace TuneOperator.Trainer.Engine;

/// <summary>
/// The training engine behind the control service: parses the plan (a FineTuneJob spec as JSON), loads the model and
/// tokenizer, prepares the data, applies the method and objective, trains with evaluation, guards, early stopping and
/// checkpoints, and exports the output with its lineage. Runs on a dedicated thread (TorchSharp's dispose scopes are
/// per thread). Failures are <see cref="TrainingFailedException"/>s with a CamelCase reason.
/// </summary>
/// <param name="paths">Mount-path mappings applied to every location of the plan.</param>
/// <param name="loggerFactory">Creates the engine's and the loop's loggers.</param>
/// <param name="time">The clock of checkpoints and progress.</param>
public sealed partial class EngineTrainingRunner(PathMappings paths, ILoggerFactory loggerFactory, TimeProvider time) : ITrainingRunner
{
    /// <summary>Reason of a plan that cannot run as written.</summary>
    public const string InvalidPlan = "InvalidPlan";

    /// <summary>Reason of data that cannot be read or has no usable rows.</summary>
    public const string InvalidDataset = "InvalidDataset";

    /// <summary>Reason of a model (or teacher, or tokenizer) that cannot be loaded.</summary>
    public const string ModelLoadFailed = "ModelLoadFailed";

    /// <summary>Reason of an unexpected error; retrying may help.</summary>
    public const string TrainerError = "TrainerError";

    /// <summary>Reason of a loss that became NaN or infinite.</summary>
    public const string LossNotFinite = "LossNotFinite";

    private const int MaxExactMatchExamples = 64;

    private readonly ILogger logger = loggerFactory.CreateLogger<EngineTrainingRunner>();

    /// <inheritdoc />
    public Task<TrainingOutcome> RunAsync(TrainingRequest request, TrainingControl control, ITrainingReporter reporter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(control);
        ArgumentNullException.ThrowIfNull(reporter);
        return Task.Factory.StartNew(
            () => Run(request, control, reporter, cancellationToken),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    /// <summary>Parses a plan: the FineTuneJob spec as JSON.</summary>
    /// <exception cref="PlanException">The JSON is not a spec; the message says where.</exception>
    public static FineTuneJobSpec ParsePlan(string planJson)
    {
        try
        {
            return JsonSerializer.Deserialize<FineTuneJobSpec>(planJson, ApiJson.Options)
                ?? throw new PlanException("The plan is the JSON literal null; send the FineTuneJob spec.");
        }
        catch (JsonException invalid)
        {
            throw new PlanException($"The plan is not a valid FineTuneJob spec at {invalid.Path ?? "$"} (line {invalid.LineNumber + 1}): {invalid.Message}");
        }
    }

    private TrainingOutcome Run(TrainingRequest request, TrainingControl control, ITrainingReporter reporter, CancellationToken cancellationToken)
    {
        try
        {
            return Execute(request, control, reporter, cancellationToken);
        }
        catch (PlanException invalid)
        {
            throw new TrainingFailedException(InvalidPlan, invalid.Message, permanent: true, invalid);
        }
        catch (TrainingFailedException)
        {
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception unexpected)
        {
            LogUnexpected(logger, request.JobName, unexpected);
            throw new TrainingFailedException(TrainerError, $"{unexpected.GetType().Name}: {unexpected.Message}", permanent: false, unexpected);
        }
    }

    private TrainingOutcome Execute(TrainingRequest request, TrainingControl control, ITrainingReporter reporter, CancellationToken cancellationToken)
    {
        reporter.Phase(TrainerPhase.Loading);
        var spec = ParsePlan(request.PlanJson);
        var locations = new PlanLocations(paths);
        // First of all: an export a crash interrupted may hold this job's checkpoints until it is resolved.
        RecoverExport(request.JobName, locations.Resolve(spec.Output.Location, "output.location"));
        var labels = spec.Objective.Type == ObjectiveType.Classification
            ? spec.Objective.Classification?.Labels is { Count: >= 2 } named
                ? named
                : throw new PlanException("objective.classification.labels must name at least two labels for a classification objective.")
            : null;
        var device = TrainingDevice.Select();
        var seed = (long)spec.Hyperparameters.Seed;
        LogStarting(logger, request.JobName, request.Attempt, device.type, request.ResumeFrom ?? "none");

        using var loaded = LoadModel(spec, locations, labels, device, seed);
        var model = loaded.Model;
        var tokenizer = loaded.Tokenizer;

        var data = PrepareData(spec, locations, tokenizer, cancellationToken);
        var dataMetrics = data.Report.Metrics();
        var dataSummary = data.Report.Summary();
        LogDataPrepared(logger, dataSummary);
        var batchSize = spec.Hyperparameters.BatchSize;
        if (batchSize < 1)
        {
            throw new PlanException($"hyperparameters.batchSize must be at least 1 (got {batchSize}).");
        }

        DataLoader loader;
        try
        {
            loader = new DataLoader(data, batchSize, DataLoader.PadTokenIdOf(tokenizer));
        }
        catch (InvalidOperationException empty)
        {
            throw new TrainingFailedException(InvalidDataset, empty.Message, permanent: true, empty);
        }

        using var source = new LoaderBatchSource(loader, device);
        var adapter = ApplyMethod(spec, model, seed);
        var hard = labels is null ? (ILogitObjective)new CausalLanguageModelObjective() : new ClassificationObjective();
        using var teacher = spec.Objective.Type == ObjectiveType.Distillation ? LoadTeacher(spec, locations, device) : null;
        ITrainingObjective objective = teacher is null
            ? hard
            : new DistillationObjective(hard, teacher, spec.Objective.Distillation!.Temperature, spec.Objective.Distillation.Alpha);

        var evaluators = Evaluators(spec, data, tokenizer, labels, hard, device, reporter, cancellationToken);
        var guards = Guards(spec, data.Options, tokenizer, labels, hard, device, locations, cancellationToken);
        var earlyStopping = EarlyStoppingOf(spec.Evaluation?.EarlyStopping);
        var checkpoints = spec.Checkpoint.LocationOrDefault(spec.Output.Location) is { } checkpointLocation
            ? new CheckpointStore(locations.Resolve(checkpointLocation, "checkpoint.location"), time)
            : null;
        foreach (var step in checkpoints?.CompleteInterruptedSaves() ?? [])
        {
            LogCheckpointRestored(logger, request.JobName, step);
        }

        var requested = ResumePoint(request.ResumeFrom, checkpoints);
        var resumeFrom = requested ?? NewestForRetry(request, checkpoints);
        if (requested is null && resumeFrom is not null)
        {
            // A checkpoint the caller did not know of (the previous attempt saved it on SIGTERM, after its event stream
            // closed): reported as this attempt's first event, so the job's status lists the checkpoint it resumes from.
            reporter.CheckpointSaved(CheckpointMessages.ToMessage(resumeFrom));
        }

        var (primary, higherIsBetter) = earlyStopping is not null
            ? (earlyStopping.Metric, earlyStopping.Mode == EarlyStoppingMode.Max)
            : labels is not null ? (EvaluatorMetricNames.EvalAccuracy, true) : (EvaluatorMetricNames.EvalLoss, false);
        var events = new EngineEvents(reporter, dataMetrics, primary, higherIsBetter);
        var run = new TrainingRun
        {
            Model = model,
            Objective = objective,
            Data = source,
            // The baseline (step 0) evaluation, when there is more to measure than the phase report: the summary's "before".
            Options = OptionsOf(spec, device) with
            {
                RestoreBestWeights = earlyStopping is not null,
                EvaluateAtStart = evaluators.Count > 1 || guards.Count > 0,
            },
            Evaluators = evaluators,
            Guards = guards,
            EarlyStopping = earlyStopping,
            Checkpoints = checkpoints,
            Control = control,
            Events = events,
        };
        var problems = run.Options.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new PlanException(string.Join(" ", problems));
        }

        reporter.Phase(TrainerPhase.Training);
        var result = new TrainingLoop(loggerFactory.CreateLogger<TrainingLoop>(), time).Run(run, resumeFrom, cancellationToken);
        LogTrainingEnded(logger, request.JobName, result.Reason, result.Step, result.TotalSteps);
        switch (result.Reason)
        {
            case StopReason.GuardFailed:
                throw new TrainingFailedException(result.FailureReason ?? "GuardFailed", result.FailureMessage ?? "A training guard failed.", permanent: true);
            case StopReason.LossNotFinite:
                throw new TrainingFailedException(LossNotFinite, result.FailureMessage ?? "The training loss is not finite.", permanent: true);
            case StopReason.Cancelled:
                if (!control.StopRequested)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                return TrainingOutcome.StoppedByRequest;
            default:
                break;
        }

        reporter.Phase(TrainerPhase.Exporting);
        var output = Export(spec, locations, loaded, adapter);
        // With early stopping the model now holds the best evaluation's weights: report that evaluation and its step.
        var exportedEvaluation = result.RestoredBest && result.BestStep is { } bestStep && events.Evaluations.TryGetValue(bestStep, out var bestValues)
            ? bestValues
            : events.LastEvaluation;
        var finalMetrics = new Dictionary<string, double>(exportedEvaluation, StringComparer.Ordinal);
        if (result.BestStep is { } best)
        {
            finalMetrics[EvaluatorMetricNames.BestStep] = result.RestoredBest ? best : result.Step;
        }

        foreach (var (key, count) in dataMetrics)
        {
            finalMetrics[key] = count;
        }

        if (events.LastLoss is { } lastLoss)
        {
            finalMetrics[EvaluatorMetricNames.TrainLoss] = lastLoss;
        }

        var completed = new Completed
        {
            OutputPath = output,
            OutputDigest = ContentDigest.OfDirectory(output, cancellationToken),
            Lineage = new Lineage
            {
                BaseModelDigest = loaded.Digest,
                DatasetDigest = data.Digest,
                SpecHash = ContentDigest.OfSpec(spec),
            },
            Reason = result.Reason.ToString(),
        };
        completed.FinalMetrics.Add(finalMetrics);
        LogExported(logger, request.JobName, output, completed.OutputDigest);
        return TrainingOutcome.Finished(completed);
    }

    private static LoadedModel LoadModel(FineTuneJobSpec spec, PlanLocations locations, IReadOnlyList<string>? labels, Device device, long seed)
    {
        var head = labels is null ? (ModelHead?)null : ModelHead.SequenceClassification;
        if (spec.Model.Source is { } sourceLocation)
        {
            var directory = locations.Resolve(sourceLocation, "model.source");
            try
            {
                var tokenizer = HuggingFaceTokenizer.Load(directory);
                var model = ModelLoader.Load(directory, new ModelLoadOptions(Device: device, Head: head, NumLabels: labels?.Count, Seed: seed));
                return new LoadedModel(model, tokenizer, directory, sourceLocation, ContentDigest.OfDirectory(directory));
            }
            catch (Exception failed) when (failed is IOException or ModelFileException or TokenizerFormatException or JsonException or ArgumentException or InvalidDataException or UnauthorizedAccessException)
            {
                throw new TrainingFailedException(ModelLoadFailed, $"model.source '{sourceLocation}' ({directory}) could not be loaded: {failed.Message}", permanent: true, failed);
            }
        }

        if (spec.Model.Init is { } init)
        {
            var tokenizerPath = locations.Resolve(init.Tokenizer, "model.init.tokenizer");
            var tokenizerDirectory = File.Exists(tokenizerPath) ? Path.GetDirectoryName(tokenizerPath)! : tokenizerPath;
            HuggingFaceTokenizer tokenizer;
            try
            {
                tokenizer = HuggingFaceTokenizer.Load(tokenizerDirectory);
            }
            catch (Exception failed) when (failed is IOException or TokenizerFormatException or JsonException or UnauthorizedAccessException)
            {
                throw new TrainingFailedException(ModelLoadFailed, $"model.init.tokenizer '{init.Tokenizer}' ({tokenizerDirectory}) could not be loaded: {failed.Message}", permanent: true, failed);
            }

            if (init.VocabSize < tokenizer.VocabularySize)
            {
                throw new PlanException($"model.init.vocabSize ({init.VocabSize}) is smaller than the tokenizer's vocabulary ({tokenizer.VocabularySize}); set it to at least {tokenizer.VocabularySize}.");
            }

            ModelConfig config;
            try
            {
                config = new ModelInitOptions(
                    init.Architecture.ToString().ToLowerInvariant(),
                    init.VocabSize,
                    init.HiddenSize,
                    init.Layers,
                    init.Heads,
                    init.KvHeads,
                    init.IntermediateSize,
                    init.MaxPositionEmbeddings).ToConfig(head ?? ModelHead.CausalLM, labels?.Count ?? 2);
            }
            catch (ArgumentException invalid)
            {
                throw new PlanException("model.init: " + invalid.Message);
            }

            var model = ModelFactory.Create(config, seed);
            model.to(device);
            var digest = ContentDigest.OfInit(JsonSerializer.Serialize(init, ApiJson.Options), seed, ContentDigest.OfDirectory(tokenizerDirectory));
            return new LoadedModel(model, tokenizer, tokenizerDirectory, "init", digest);
        }

        throw new PlanException(spec.Model.FromJob is { } job
            ? $"model.fromJob '{job}' must be resolved to model.source by the operator before the plan reaches the trainer."
            : "model needs source (a model directory) or init (sizes and a tokenizer).");
    }

    private static LanguageModel LoadTeacher(FineTuneJobSpec spec, PlanLocations locations, Device device)
    {
        var reference = spec.Objective.Distillation?.Teacher
            ?? throw new PlanException("objective.distillation.teacher is required for a distillation objective.");
        var location = reference.Source
            ?? throw new PlanException("objective.distillation.teacher.source is required (fromJob must be resolved by the operator).");
        var directory = locations.Resolve(location, "objective.distillation.teacher.source");
        try
        {
            var teacher = ModelLoader.Load(directory, new ModelLoadOptions(Device: device));
            teacher.eval();
            foreach (var parameter in teacher.parameters())
            {
                parameter.requires_grad = false;
            }

            return teacher;
        }
        catch (Exception failed) when (failed is IOException or ModelFileException or JsonException or ArgumentException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new TrainingFailedException(ModelLoadFailed, $"objective.distillation.teacher.source '{location}' could not be loaded: {failed.Message}", permanent: true, failed);
        }
    }

    private static PreparedDataset PrepareData(FineTuneJobSpec spec, PlanLocations locations, ITextTokenizer tokenizer, CancellationToken cancellationToken)
    {
        DataOptions options;
        try
        {
            options = DataOptionsMapping.FromSpec(spec, location => locations.Resolve(location, "dataset"));
        }
        catch (ArgumentException invalid)
        {
            throw new PlanException(invalid.Message);
        }

        return Prepare(options, tokenizer, cancellationToken);
    }

    private static PreparedDataset Prepare(DataOptions options, ITextTokenizer tokenizer, CancellationToken cancellationToken)
    {
        try
        {
            return DatasetPreparer.Prepare(options, tokenizer, cancellationToken);
        }
        catch (ArgumentException invalid)
        {
            throw new PlanException(invalid.Message);
        }
        catch (Exception bad) when (bad is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new TrainingFailedException(InvalidDataset, bad.Message, permanent: true, bad);
        }
    }

    private static LoraAdapter? ApplyMethod(FineTuneJobSpec spec, LanguageModel model, long seed)
    {
        var method = spec.Method;
        try
        {
            switch (method.Type)
            {
                case MethodType.Lora:
                    var lora = method.Lora ?? new LoraSpec();
                    var targets = lora.TargetModules is { Count: > 0 } named
                        ? named
                        : model.Config.Family == ModelFamily.Gpt2 ? ["c_attn"] : (List<string>)["q_proj", "v_proj"];
                    var options = new LoraOptions(lora.Rank, lora.Alpha, lora.Dropout, targets);
                    options.Validate();
                    return Lora.Apply(model, options, seed);
                case MethodType.Freeze:
                    var freeze = method.Freeze ?? throw new PlanException("method.freeze is required for method type freeze: set method.freeze.layers.");
                    if (freeze.Layers >= model.Config.NumLayers)
                    {
                        throw new PlanException($"method.freeze.layers ({freeze.Layers}) must be lower than the model's {model.Config.NumLayers} layers.");
                    }

                    Freezing.FreezeFirstLayers(model, freeze.Layers, freeze.Embeddings);
                    return null;
                default:
                    return null;
            }
        }
        catch (ArgumentException invalid)
        {
            throw new PlanException("method: " + invalid.Message);
        }
    }

    private static List<IEvaluator> Evaluators(
        FineTuneJobSpec spec,
        PreparedDataset data,
        ITextTokenizer tokenizer,
        IReadOnlyList<string>? labels,
        ILogitObjective hard,
        Device device,
        ITrainingReporter reporter,
        CancellationToken cancellationToken)
    {
        var evaluators = new List<IEvaluator> { new PhaseEvaluator(reporter) };
        var validation = data.Validation;
        if (validation.Count == 0)
        {
            return evaluators;
        }

        var batchSize = spec.Hyperparameters.BatchSize;
        var pad = DataLoader.PadTokenIdOf(tokenizer);
        evaluators.Add(new LossEvaluator(hard, ToSource(validation, batchSize, pad, device)));
        if (labels is not null)
        {
            evaluators.Add(new ClassificationEvaluator(ToSource(validation, batchSize, pad, device), labels.Count));
            return evaluators;
        }

        var format = data.Options.Sources.Select(data.Options.FormatOf).Distinct().ToList();
        if (format.Any(f => f is Data.Datasets.DatasetFormat.Instruction or Data.Datasets.DatasetFormat.Chat))
        {
            var answered = data.Options.ResponseOnly
                ? validation
                : Prepare(data.Options with { ResponseOnly = true }, tokenizer, cancellationToken).Validation;
            var examples = answered.Select(GenerationExampleOf).OfType<GenerationExample>().Take(MaxExactMatchExamples).ToList();
            if (examples.Count > 0)
            {
                var maxNewTokens = examples.Max(e => e.Reference.Count) + 1;
                evaluators.Add(new ExactMatchEvaluator(examples, maxNewTokens, tokenizer.EosTokenId, device));
            }
        }

        return evaluators;
    }

    private static GenerationExample? GenerationExampleOf(TokenizedExample example)
    {
        var first = Array.FindIndex(example.Labels, l => l != TokenizedExample.IgnoreIndex);
        return first <= 0 ? null : new GenerationExample(example.InputIds[..first], example.InputIds[first..]);
    }

    private static InMemoryBatchSource ToSource(IReadOnlyList<TokenizedExample> examples, int batchSize, int pad, Device device)
        => new([.. examples.Select(ToSequence)], batchSize, shuffle: false, padId: pad, device: device);

    private static SequenceExample ToSequence(TokenizedExample example)
        => example.ClassLabel is { } label ? SequenceExample.ForClassification(example.InputIds, label) : new SequenceExample(example.InputIds, example.Labels);

    private static List<ITrainingGuard> Guards(
        FineTuneJobSpec spec,
        DataOptions options,
        ITextTokenizer tokenizer,
        IReadOnlyList<string>? labels,
        ILogitObjective hard,
        Device device,
        PlanLocations locations,
        CancellationToken cancellationToken)
    {
        var guards = new List<ITrainingGuard>();
        if (spec.Evaluation?.Retention is { } retention)
        {
            var path = locations.Resolve(retention.Dataset, "evaluation.retention.dataset");
            var retentionOptions = options with
            {
                Sources = [new DatasetSource(path)],
                Validation = null,
                ValidationSplit = 0,
                Preprocessing = options.Preprocessing with { Augmentation = null },
            };
            var examples = Prepare(retentionOptions, tokenizer, cancellationToken).Sources[0].Train;
            if (examples.Count == 0)
            {
                throw new TrainingFailedException(InvalidDataset, $"evaluation.retention.dataset '{retention.Dataset}' has no usable rows.", permanent: true);
            }

            guards.Add(new RetentionGuard(hard, ToSource(examples, spec.Hyperparameters.BatchSize, DataLoader.PadTokenIdOf(tokenizer), device), retention.MaxRegression, ActionOf(retention.Action)));
        }

        if (spec.Evaluation?.BiasProbe is { } probe)
        {
            var path = locations.Resolve(probe.Dataset, "evaluation.biasProbe.dataset");
            var pairs = BiasProbeSet.Read(path, tokenizer);
            var kind = labels is null ? BiasScoreKind.MeanTokenLogLikelihood : BiasScoreKind.PositiveClassProbability;
            guards.Add(new BiasProbe(pairs, kind, probe.MaxGap, ActionOf(probe.Action), positiveClass: labels is null ? 1 : labels.Count - 1, device: device));
        }

        return guards;
    }

    private static GuardAction ActionOf(GateAction action) => action == GateAction.Warn ? GuardAction.Warn : GuardAction.Fail;

    private static EarlyStopping? EarlyStoppingOf(EarlyStoppingSpec? spec)
    {
        if (spec is null)
        {
            return null;
        }

        var metric = spec.Metric switch
        {
            EvaluationMetric.Loss => EvaluatorMetricNames.EvalLoss,
            EvaluationMetric.Perplexity => EvaluatorMetricNames.EvalPerplexity,
            EvaluationMetric.Accuracy => EvaluatorMetricNames.EvalAccuracy,
            EvaluationMetric.F1 => EvaluatorMetricNames.EvalF1,
            _ => throw new PlanException($"evaluation.earlyStopping.metric '{spec.Metric}' is not supported; use loss, perplexity, accuracy or f1."),
        };
        try
        {
            return new EarlyStopping(metric, spec.Mode == OptimizationMode.Max ? EarlyStoppingMode.Max : EarlyStoppingMode.Min, spec.Patience, spec.MinDelta);
        }
        catch (ArgumentException invalid)
        {
            throw new PlanException("evaluation.earlyStopping: " + invalid.Message);
        }
    }

    // A later attempt started without resumeFrom: the caller's record of checkpoints can miss the last one (a trainer
    // that checkpointed on SIGTERM while its event stream was already gone, as on preemption or eviction), so the
    // newest complete checkpoint in this job's checkpoint location is where the attempt continues. A first attempt
    // never resumes on its own: what lies there then is not this run's.
    private Checkpoints.CheckpointInfo? NewestForRetry(TrainingRequest request, CheckpointStore? checkpoints)
    {
        if (request.Attempt <= 1 || checkpoints is null)
        {
            return null;
        }

        var newest = checkpoints.List().LastOrDefault();
        if (newest is not null)
        {
            LogResumingFromNewest(logger, request.JobName, request.Attempt, newest.Step);
        }

        return newest;
    }

    private Checkpoints.CheckpointInfo? ResumePoint(string? resumeFrom, CheckpointStore? checkpoints)
    {
        if (string.IsNullOrEmpty(resumeFrom))
        {
            return null;
        }

        var directory = Path.GetFullPath(paths.Map(resumeFrom.TrimEnd('/')));
        var store = checkpoints ?? new CheckpointStore(Path.GetDirectoryName(directory) ?? directory, time);
        var found = store.List().FirstOrDefault(c => string.Equals(Path.GetFullPath(c.Path), directory, StringComparison.Ordinal))
            ?? new CheckpointStore(Path.GetDirectoryName(directory) ?? directory, time).List()
                .FirstOrDefault(c => string.Equals(Path.GetFullPath(c.Path), directory, StringComparison.Ordinal));
        return found ?? throw new PlanException($"resumeFrom '{resumeFrom}' ({directory}) is not a complete checkpoint; resume from a checkpoint the trainer reported.");
    }

    private void RecoverExport(string job, string output)
    {
        var recovery = ExportDirectory.Recover(output);
        foreach (var action in recovery.Actions)
        {
            LogExportRecovered(logger, job, action);
        }

        foreach (var leftover in recovery.LeftInPlace)
        {
            LogExportLeftover(logger, job, leftover, output);
        }
    }

    private static TrainingOptions OptionsOf(FineTuneJobSpec spec, Device device)
    {
        var hyper = spec.Hyperparameters;
        var precision = TrainingDevice.ResolvePrecision(hyper.Precision == Precision.Bf16 ? ComputePrecision.BFloat16 : ComputePrecision.Float32, device);
        return new TrainingOptions
        {
            Epochs = hyper.Epochs,
            MaxSteps = hyper.MaxSteps is { } steps ? (int)Math.Min(steps, int.MaxValue) : null,
            GradientAccumulationSteps = hyper.GradientAccumulationSteps,
            LearningRate = hyper.LearningRate,
            Schedule = hyper.Scheduler switch
            {
                LearningRateScheduler.Constant => ScheduleKind.Constant,
                LearningRateScheduler.Linear => ScheduleKind.Linear,
                _ => ScheduleKind.Cosine,
            },
            WarmupSteps = (int)Math.Min(hyper.WarmupSteps, int.MaxValue),
            AdamW = new AdamWOptions(WeightDecay: hyper.WeightDecay),
            MaxGradNorm = hyper.MaxGradNorm,
            Seed = hyper.Seed,
            Precision = precision,
            EvaluationEverySteps = (int)Math.Min(spec.Evaluation?.EverySteps ?? 0, int.MaxValue),
            CheckpointEverySteps = (int)Math.Min(spec.Checkpoint.EverySteps ?? 0, int.MaxValue),
            KeepLast = spec.Checkpoint.KeepLast,
        };
    }

    private static string Export(FineTuneJobSpec spec, PlanLocations locations, LoadedModel loaded, LoraAdapter? adapter)
    {
        var output = locations.Resolve(spec.Output.Location, "output.location");
        if (spec.Output.Format == OutputFormat.Adapter)
        {
            if (adapter is null)
            {
                throw new PlanException("output.format adapter needs method.type lora; use output.format merged for full or freeze training.");
            }

            ModelExporter.SaveAdapter(loaded.Model, adapter, output, loaded.SourceName, loaded.TokenizerDirectory);
        }
        else
        {
            ModelExporter.SaveModel(loaded.Model, output, new ModelExportOptions(TokenizerSource: loaded.TokenizerDirectory));
        }

        return output;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job} attempt {Attempt} was started without resumeFrom; resuming from the newest complete checkpoint, step {Step}")]
    private static partial void LogResumingFromNewest(ILogger logger, string job, int attempt, long step);

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting job {Job} attempt {Attempt} on {Device} (resume from {ResumeFrom})")]
    private static partial void LogStarting(ILogger logger, string job, int attempt, DeviceType device, string resumeFrom);

    [LoggerMessage(Level = LogLevel.Information, Message = "Data prepared: {Summary}")]
    private static partial void LogDataPrepared(ILogger logger, string summary);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training of job {Job} ended ({Reason}) at step {Step} of {TotalSteps}")]
    private static partial void LogTrainingEnded(ILogger logger, string job, StopReason reason, int step, int totalSteps);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job} exported to {Output} ({Digest})")]
    private static partial void LogExported(ILogger logger, string job, string output, string digest);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: an interrupted export was resolved: {Action}")]
    private static partial void LogExportRecovered(ILogger logger, string job, string action);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: {Leftover}, left by an interrupted export, still holds files whose names {Output} already has; it is kept for you to sort out")]
    private static partial void LogExportLeftover(ILogger logger, string job, string leftover, string output);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: the checkpoint of step {Step}, whose save a crash interrupted, was put in place")]
    private static partial void LogCheckpointRestored(ILogger logger, string job, int step);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, string job, Exception exception);

    /// <summary>The model of a run with its tokenizer and provenance.</summary>
    private sealed record LoadedModel(LanguageModel Model, HuggingFaceTokenizer Tokenizer, string TokenizerDirectory, string SourceName, string Digest) : IDisposable
    {
        public void Dispose() => Model.Dispose();
    }
}
