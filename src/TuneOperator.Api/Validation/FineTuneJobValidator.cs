namespace TuneOperator.Api.Validation;

/// <summary>
/// Validates FineTuneJobs the way the API server does (schema and every CEL rule of the CRD, mirrored in C#) plus
/// the checks CEL cannot express. The operator uses it before creating pods; local mode uses it instead of the API
/// server. Every error names its field path and how to fix it.
/// </summary>
public static class FineTuneJobValidator
{
    /// <summary>Longest job name: the trainer pod is named <c>tune-&lt;job&gt;-&lt;attempt&gt;</c> and must stay a
    /// valid 63-character label.</summary>
    public const int MaxNameLength = 52;

    /// <summary>Validates a job.</summary>
    public static IReadOnlyList<ValidationError> Validate(FineTuneJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var errors = new List<ValidationError>();
        ResourceChecks.CheckName(job.Metadata, MaxNameLength, errors);
        if (job.Spec is null)
        {
            errors.Add(new ValidationError("spec", "required field is missing; add the spec"));
            return errors;
        }

        ResourceChecks.CheckSchema(job.Spec, typeof(FineTuneJob), "spec", errors);
        CheckSpec(job.Spec, "spec", job.Metadata?.Name, errors);
        return errors;
    }

    /// <summary>Validates an update: the new job must be valid and only runPolicy (and resources while the job was
    /// suspended) may change, as the CRD's transition rules enforce.</summary>
    public static IReadOnlyList<ValidationError> ValidateUpdate(FineTuneJob oldJob, FineTuneJob newJob)
    {
        ArgumentNullException.ThrowIfNull(oldJob);
        ArgumentNullException.ThrowIfNull(newJob);
        var errors = Validate(newJob).ToList();
        var o = oldJob.Spec;
        var n = newJob.Spec;
        if (o is null || n is null)
        {
            return errors;
        }

        Immutable(o.Model, n.Model, "spec.model", errors);
        Immutable(o.Dataset, n.Dataset, "spec.dataset", errors);
        Immutable(o.Method, n.Method, "spec.method", errors);
        Immutable(o.Objective, n.Objective, "spec.objective", errors);
        Immutable(o.Hyperparameters, n.Hyperparameters, "spec.hyperparameters", errors);
        Immutable(o.Evaluation, n.Evaluation, "spec.evaluation", errors);
        Immutable(o.Checkpoint, n.Checkpoint, "spec.checkpoint", errors);
        Immutable(o.Output, n.Output, "spec.output", errors);
        Immutable(o.Trainer, n.Trainer, "spec.trainer", errors);
        if (!ResourceChecks.SameJson(o.Resources, n.Resources) && !o.RunPolicy.Suspend)
        {
            errors.Add(new ValidationError("spec.resources", "spec.resources can change only while the job is suspended (runPolicy.suspend: true)"));
        }

        return errors;
    }

    /// <summary>Throws a <see cref="ValidationException"/> listing every error when the job is invalid.</summary>
    public static void ThrowIfInvalid(FineTuneJob job)
    {
        var errors = Validate(job);
        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }
    }

    /// <summary>Checks the CEL rules and semantic constraints of a spec (also used for sweep templates).</summary>
    /// <param name="spec">The spec.</param>
    /// <param name="path">Its path, e.g. <c>spec</c> or <c>spec.template</c>.</param>
    /// <param name="jobName">The job's name, when known, to catch self references.</param>
    /// <param name="errors">Receives the problems.</param>
    public static void CheckSpec(FineTuneJobSpec spec, string path, string? jobName, List<ValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(errors);
        CheckModel(spec.Model, $"{path}.model", jobName, errors);
        CheckDataset(spec.Dataset, $"{path}.dataset", errors);
        CheckMethod(spec.Method, $"{path}.method", errors);
        CheckObjective(spec.Objective, $"{path}.objective", jobName, errors);
        CheckHyperparameters(spec.Hyperparameters, $"{path}.hyperparameters", errors);
        CheckCrossFieldRules(spec, path, errors);
        CheckSemantics(spec, path, errors);
    }

    private static void Immutable<T>(T oldValue, T newValue, string path, List<ValidationError> errors)
    {
        if (!ResourceChecks.SameJson(oldValue, newValue))
        {
            errors.Add(new ValidationError(path, $"{path} is immutable; create a new FineTuneJob instead"));
        }
    }

    private static void CheckModel(ModelSpec? model, string path, string? jobName, List<ValidationError> errors)
    {
        if (model is null)
        {
            return;
        }

        var count = (model.Source is null ? 0 : 1) + (model.FromJob is null ? 0 : 1) + (model.Init is null ? 0 : 1);
        if (count != 1)
        {
            errors.Add(new ValidationError(path, count == 0
                ? "exactly one of source, fromJob or init must be set; none is"
                : "exactly one of source, fromJob or init must be set; remove the others"));
        }

        if (jobName is not null && model.FromJob == jobName)
        {
            errors.Add(new ValidationError($"{path}.fromJob", "a job cannot start from its own output; name another FineTuneJob"));
        }

        if (model.Init is { } init)
        {
            var initPath = $"{path}.init";
            if (init.Heads > 0 && init.HiddenSize % init.Heads != 0)
            {
                errors.Add(new ValidationError($"{initPath}.hiddenSize", $"hiddenSize must be a multiple of heads ({init.HiddenSize} is not a multiple of {init.Heads})"));
            }

            if (init.KvHeads is { } kvHeads && kvHeads > 0 && init.Heads % kvHeads != 0)
            {
                errors.Add(new ValidationError($"{initPath}.kvHeads", $"heads must be a multiple of kvHeads ({init.Heads} is not a multiple of {kvHeads})"));
            }

            if (init.Architecture == ModelArchitecture.Gpt2 && init.KvHeads is { } gptKvHeads && gptKvHeads != init.Heads)
            {
                errors.Add(new ValidationError($"{initPath}.kvHeads", "gpt2 has no grouped-query attention: leave kvHeads unset or equal to heads"));
            }
        }
    }

    private static void CheckDataset(DatasetSpec? dataset, string path, List<ValidationError> errors)
    {
        if (dataset is null)
        {
            return;
        }

        if ((dataset.Train is null) == (dataset.Mix is null))
        {
            errors.Add(new ValidationError(path, dataset.Train is null
                ? "exactly one of train or mix must be set; set train (with format) or mix"
                : "exactly one of train or mix must be set; remove one of them"));
        }

        if (dataset.Train is not null && dataset.Format is null)
        {
            errors.Add(new ValidationError($"{path}.format", "format is required when train is set; use instruction, chat, completion or classification"));
        }

        if (dataset.Validation is not null && dataset.ValidationSplit is not null)
        {
            errors.Add(new ValidationError($"{path}.validationSplit", "set validation or validationSplit, not both"));
        }

        if (dataset.Validation is not null && dataset.Validation == dataset.Train)
        {
            errors.Add(new ValidationError($"{path}.validation", "the validation data must differ from the training data; use validationSplit to hold out part of train"));
        }
    }

    private static void CheckMethod(MethodSpec? method, string path, List<ValidationError> errors)
    {
        if (method is null)
        {
            return;
        }

        if ((method.Type == MethodType.Lora) != (method.Lora is not null))
        {
            errors.Add(new ValidationError($"{path}.lora", method.Lora is null
                ? "lora must be set exactly when type is lora; add lora: {rank: 8, alpha: 16}"
                : "lora must be set exactly when type is lora; remove lora or set type: lora"));
        }

        if ((method.Type == MethodType.Freeze) != (method.Freeze is not null))
        {
            errors.Add(new ValidationError($"{path}.freeze", method.Freeze is null
                ? "freeze must be set exactly when type is freeze; add freeze: {layers: N}"
                : "freeze must be set exactly when type is freeze; remove freeze or set type: freeze"));
        }
    }

    private static void CheckObjective(ObjectiveSpec? objective, string path, string? jobName, List<ValidationError> errors)
    {
        if (objective is null)
        {
            return;
        }

        if ((objective.Type == ObjectiveType.Classification) != (objective.Classification is not null))
        {
            errors.Add(new ValidationError($"{path}.classification", objective.Classification is null
                ? "classification must be set exactly when type is classification; add classification: {labels: [...]}"
                : "classification must be set exactly when type is classification; remove it or set type: classification"));
        }

        if ((objective.Type == ObjectiveType.Distillation) != (objective.Distillation is not null))
        {
            errors.Add(new ValidationError($"{path}.distillation", objective.Distillation is null
                ? "distillation must be set exactly when type is distillation; add distillation: {teacher: {source: ...}}"
                : "distillation must be set exactly when type is distillation; remove it or set type: distillation"));
        }

        if (objective.Distillation?.Teacher is { } teacher)
        {
            CheckReference(teacher, $"{path}.distillation.teacher", errors);
            if (jobName is not null && teacher.FromJob == jobName)
            {
                errors.Add(new ValidationError($"{path}.distillation.teacher.fromJob", "a job cannot be its own teacher; name another FineTuneJob"));
            }
        }
    }

    /// <summary>Mirrors the rule of <see cref="ModelReference"/>: exactly one of source or fromJob.</summary>
    internal static void CheckReference(ModelReference reference, string path, List<ValidationError> errors)
    {
        if ((reference.Source is null) == (reference.FromJob is null))
        {
            errors.Add(new ValidationError(path, reference.Source is null
                ? "exactly one of source or fromJob must be set; none is"
                : "exactly one of source or fromJob must be set; remove one of them"));
        }
    }

    private static void CheckHyperparameters(HyperparametersSpec? hyperparameters, string path, List<ValidationError> errors)
    {
        if (hyperparameters is null)
        {
            return;
        }

        if (hyperparameters.MaxSteps is { } maxSteps && hyperparameters.WarmupSteps >= maxSteps)
        {
            errors.Add(new ValidationError($"{path}.warmupSteps", $"warmupSteps must be lower than maxSteps ({hyperparameters.WarmupSteps} >= {maxSteps})"));
        }
    }

    private static void CheckCrossFieldRules(FineTuneJobSpec spec, string path, List<ValidationError> errors)
    {
        var objectiveType = spec.Objective?.Type ?? ObjectiveType.CausalLM;
        var format = spec.Dataset?.Format;
        if (objectiveType == ObjectiveType.Classification && format != DatasetFormat.Classification)
        {
            errors.Add(new ValidationError($"{path}.dataset.format", "objective classification needs dataset.train with format classification"));
        }

        if (format == DatasetFormat.Classification && objectiveType != ObjectiveType.Classification)
        {
            errors.Add(new ValidationError($"{path}.objective.type", "dataset format classification needs objective.type classification with its labels"));
        }

        if (spec.Output?.Format == OutputFormat.Adapter && (spec.Method?.Type ?? MethodType.Full) != MethodType.Lora)
        {
            errors.Add(new ValidationError($"{path}.output.format", "output format adapter needs method.type lora; use format merged for full or freeze training"));
        }

        if (spec.Evaluation?.EarlyStopping is not null && spec.Dataset is { Validation: null, ValidationSplit: null })
        {
            errors.Add(new ValidationError($"{path}.evaluation.earlyStopping", "earlyStopping needs validation data: set dataset.validation or dataset.validationSplit"));
        }

        if (spec.Method?.Freeze is { } freeze && spec.Model?.Init is { } init && freeze.Layers >= init.Layers)
        {
            errors.Add(new ValidationError($"{path}.method.freeze.layers", $"method.freeze.layers must be lower than model.init.layers ({freeze.Layers} >= {init.Layers}), or nothing is left to train"));
        }
    }

    private static void CheckSemantics(FineTuneJobSpec spec, string path, List<ValidationError> errors)
    {
        var objectiveType = spec.Objective?.Type ?? ObjectiveType.CausalLM;
        if (spec.Model?.Init is { } init && spec.Dataset is { } dataset && dataset.MaxSeqLength > init.MaxPositionEmbeddings)
        {
            errors.Add(new ValidationError($"{path}.dataset.maxSeqLength", $"maxSeqLength {dataset.MaxSeqLength} exceeds model.init.maxPositionEmbeddings {init.MaxPositionEmbeddings}; lower it or raise maxPositionEmbeddings"));
        }

        if (objectiveType == ObjectiveType.ResponseOnly && spec.Dataset is { } data)
        {
            var formats = data.Mix is { } mix ? mix.Select(m => (DatasetFormat?)m.Format) : [data.Format];
            if (formats.Any(f => f is not (DatasetFormat.Instruction or DatasetFormat.Chat)))
            {
                errors.Add(new ValidationError($"{path}.objective.type", "responseOnly needs instruction or chat data, which separate prompt from answer; use causalLM for completion data"));
            }
        }

        if (spec.Evaluation is { } evaluation)
        {
            var metrics = evaluation.Metrics ?? [EvaluationMetric.Loss];
            var classificationOnly = metrics.Where(m => m is EvaluationMetric.F1 or EvaluationMetric.Precision or EvaluationMetric.Recall).ToList();
            if (classificationOnly.Count > 0 && objectiveType != ObjectiveType.Classification)
            {
                errors.Add(new ValidationError($"{path}.evaluation.metrics", "precision, recall and f1 are computed for classification only; remove them or use objective classification"));
            }

            if (evaluation.EarlyStopping is { } early)
            {
                if (!metrics.Contains(early.Metric))
                {
                    errors.Add(new ValidationError($"{path}.evaluation.earlyStopping.metric", $"earlyStopping monitors a metric that is not computed; add it to evaluation.metrics"));
                }

                var lowerIsBetter = early.Metric is EvaluationMetric.Loss or EvaluationMetric.Perplexity;
                if (lowerIsBetter != (early.Mode == OptimizationMode.Min))
                {
                    errors.Add(new ValidationError($"{path}.evaluation.earlyStopping.mode", lowerIsBetter
                        ? "loss and perplexity improve downwards; use mode min"
                        : "accuracy, precision, recall, f1 and exactMatch improve upwards; use mode max"));
                }
            }
        }

        if (spec.Hyperparameters?.Precision == Precision.Bf16 && (spec.Resources?.Gpus ?? 0) == 0)
        {
            errors.Add(new ValidationError($"{path}.hyperparameters.precision", "bf16 needs a GPU; set resources.gpus to 1 or more, or use fp32"));
        }

        if (spec.Checkpoint?.Location is { } checkpoints && spec.Output?.Location is { } output
            && checkpoints.TrimEnd('/') == output.TrimEnd('/'))
        {
            errors.Add(new ValidationError($"{path}.checkpoint.location", "checkpoints must not be written to the output location; use another folder (unset uses <output>/checkpoints)"));
        }
    }
}
