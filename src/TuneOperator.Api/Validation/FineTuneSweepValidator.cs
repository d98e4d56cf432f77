using System.Text.Json.Nodes;

namespace TuneOperator.Api.Validation;

/// <summary>Validates FineTuneSweeps: the CRD's schema and CEL rules mirrored in C#, the template as a job spec, and
/// that every parameter names a tunable field of the job spec with values of the right type and range.</summary>
public static class FineTuneSweepValidator
{
    /// <summary>Longest sweep name: trials are FineTuneJobs named <c>&lt;sweep&gt;-&lt;index&gt;</c>.</summary>
    public const int MaxNameLength = 48;

    /// <summary>Most trials a sweep can track (the size of status.trials).</summary>
    public const int MaxTrials = 256;

    /// <summary>Validates a sweep.</summary>
    public static IReadOnlyList<ValidationError> Validate(FineTuneSweep sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        var errors = new List<ValidationError>();
        ResourceChecks.CheckName(sweep.Metadata, MaxNameLength, errors);
        var spec = sweep.Spec;
        if (spec is null)
        {
            errors.Add(new ValidationError("spec", "required field is missing; add the spec"));
            return errors;
        }

        ResourceChecks.CheckSchema(spec, typeof(FineTuneSweep), "spec", errors);
        if (spec.Template is not null)
        {
            FineTuneJobValidator.CheckSpec(spec.Template, "spec.template", jobName: null, errors);
        }

        if (spec.Algorithm == SweepAlgorithm.Grid && spec.Parameters?.Any(p => p.Values is null) == true)
        {
            errors.Add(new ValidationError("spec.parameters", "grid search needs values for every parameter; range is for algorithm random"));
        }

        if (spec.Algorithm == SweepAlgorithm.Random && spec.MaxTrials is null)
        {
            errors.Add(new ValidationError("spec.maxTrials", "algorithm random needs maxTrials, the number of samples"));
        }

        var templateSchema = (JsonObject)ApiSchemas.For(typeof(FineTuneSweep))["properties"]!["spec"]!["properties"]!["template"]!;
        var parameters = spec.Parameters ?? [];
        for (var i = 0; i < parameters.Count; i++)
        {
            CheckParameter(parameters[i], $"spec.parameters[{i}]", templateSchema, errors);
        }

        if (spec.Algorithm == SweepAlgorithm.Grid && spec.MaxTrials is null && parameters.All(p => p.Values is not null))
        {
            var combinations = parameters.Aggregate(1L, (product, p) => product * Math.Max(1, p.Values!.Count));
            if (combinations > MaxTrials)
            {
                errors.Add(new ValidationError("spec.parameters", $"the grid has {combinations} combinations, more than {MaxTrials}; use fewer values or set maxTrials"));
            }
        }

        return errors;
    }

    /// <summary>Validates an update: the new sweep must be valid, and its template and objective must not change,
    /// as the CRD's transition rules enforce.</summary>
    public static IReadOnlyList<ValidationError> ValidateUpdate(FineTuneSweep oldSweep, FineTuneSweep newSweep)
    {
        ArgumentNullException.ThrowIfNull(oldSweep);
        ArgumentNullException.ThrowIfNull(newSweep);
        var errors = Validate(newSweep).ToList();
        if (oldSweep.Spec is { } o && newSweep.Spec is { } n)
        {
            if (!ResourceChecks.SameJson(o.Template, n.Template))
            {
                errors.Add(new ValidationError("spec.template", "spec.template is immutable; create a new FineTuneSweep instead"));
            }

            if (!ResourceChecks.SameJson(o.Objective, n.Objective))
            {
                errors.Add(new ValidationError("spec.objective", "spec.objective is immutable; create a new FineTuneSweep instead"));
            }
        }

        return errors;
    }

    /// <summary>Throws a <see cref="ValidationException"/> listing every error when the sweep is invalid.</summary>
    public static void ThrowIfInvalid(FineTuneSweep sweep)
    {
        var errors = Validate(sweep);
        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }
    }

    /// <summary>Finds the schema of the job spec field at a dotted path, or null when the path names no field.</summary>
    public static JsonObject? FieldSchema(JsonObject specSchema, string dottedPath)
    {
        ArgumentNullException.ThrowIfNull(specSchema);
        ArgumentNullException.ThrowIfNull(dottedPath);
        JsonObject? node = specSchema;
        foreach (var segment in dottedPath.Split('.'))
        {
            node = node?["properties"]?[segment] as JsonObject;
        }

        return node;
    }

    private static void CheckParameter(SweepParameter parameter, string path, JsonObject templateSchema, List<ValidationError> errors)
    {
        if ((parameter.Values is null) == (parameter.Range is null))
        {
            errors.Add(new ValidationError(path, "exactly one of values or range must be set"));
        }

        if (parameter.Range is { } range)
        {
            if (range.Min >= range.Max)
            {
                errors.Add(new ValidationError($"{path}.range.min", $"min must be lower than max ({range.Min} >= {range.Max})"));
            }

            if (range.Scale == RangeScale.Log && range.Min <= 0)
            {
                errors.Add(new ValidationError($"{path}.range.min", "a log scale needs min greater than 0"));
            }
        }

        if (string.IsNullOrEmpty(parameter.Path))
        {
            return;
        }

        var field = FieldSchema(templateSchema, parameter.Path);
        var type = field?["type"]?.GetValue<string>();
        if (field is null || type is not ("integer" or "number" or "boolean" or "string") || (type == "string" && field["enum"] is null))
        {
            errors.Add(new ValidationError($"{path}.path", $"\"{parameter.Path}\" is not a tunable field of the job spec; name a number, boolean or enum field such as hyperparameters.learningRate or method.lora.rank"));
            return;
        }

        if (parameter.Values is { } values)
        {
            for (var j = 0; j < values.Count; j++)
            {
                SchemaChecker.Check(values[j]?.DeepClone(), field, $"{path}.values[{j}]", errors);
            }
        }

        if (parameter.Range is { } bounds)
        {
            if (type is not ("integer" or "number"))
            {
                errors.Add(new ValidationError($"{path}.range", $"\"{parameter.Path}\" is not numeric; give values instead of a range"));
                return;
            }

            SchemaChecker.Check(JsonValue.Create(bounds.Min), field, $"{path}.range.min", errors);
            SchemaChecker.Check(JsonValue.Create(bounds.Max), field, $"{path}.range.max", errors);
        }
    }
}
