namespace TuneOperator.Api.Validation;

/// <summary>Validates ModelDeployments: the CRD's schema and CEL rules mirrored in C#, plus the checks CEL cannot
/// express.</summary>
public static class ModelDeploymentValidator
{
    /// <summary>Longest deployment name: pods are named <c>&lt;deployment&gt;-&lt;role&gt;-&lt;index&gt;</c>.</summary>
    public const int MaxNameLength = 52;

    /// <summary>Validates a deployment.</summary>
    public static IReadOnlyList<ValidationError> Validate(ModelDeployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var errors = new List<ValidationError>();
        ResourceChecks.CheckName(deployment.Metadata, MaxNameLength, errors);
        var spec = deployment.Spec;
        if (spec is null)
        {
            errors.Add(new ValidationError("spec", "required field is missing; add the spec"));
            return errors;
        }

        ResourceChecks.CheckSchema(spec, typeof(ModelDeployment), "spec", errors);
        if (spec.Model is not null)
        {
            FineTuneJobValidator.CheckReference(spec.Model, "spec.model", errors);
        }

        if (spec.Rollout is { } rollout)
        {
            var steps = rollout.Steps ?? [];
            for (var i = 1; i < steps.Count; i++)
            {
                if (steps[i].Weight < steps[i - 1].Weight)
                {
                    errors.Add(new ValidationError("spec.rollout.steps", $"canary step weights must not decrease from one step to the next (step {i} has {steps[i].Weight} after {steps[i - 1].Weight})"));
                    break;
                }
            }

            if (rollout.Analysis is { } analysis)
            {
                if (analysis.MinEvalScore is not null && analysis.EvalDataset is null)
                {
                    errors.Add(new ValidationError("spec.rollout.analysis.evalDataset", "minEvalScore needs evalDataset, the data the score is computed on"));
                }

                if (analysis is { MaxErrorRate: null, MaxLatencyP99Ms: null, MinEvalScore: null })
                {
                    errors.Add(new ValidationError("spec.rollout.analysis", "the analysis checks nothing; set maxErrorRate, maxLatencyP99Ms or minEvalScore, or remove analysis"));
                }
            }
        }

        return errors;
    }

    /// <summary>Throws a <see cref="ValidationException"/> listing every error when the deployment is invalid.</summary>
    public static void ThrowIfInvalid(ModelDeployment deployment)
    {
        var errors = Validate(deployment);
        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }
    }
}
