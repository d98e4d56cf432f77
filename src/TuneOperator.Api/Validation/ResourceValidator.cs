namespace TuneOperator.Api.Validation;

/// <summary>Validates a resource of any TuneOperator kind.</summary>
public static class ResourceValidator
{
    /// <summary>Validates a FineTuneJob, FineTuneSweep or ModelDeployment.</summary>
    /// <exception cref="ArgumentException">The object is not a TuneOperator resource.</exception>
    public static IReadOnlyList<ValidationError> Validate(object resource) => resource switch
    {
        FineTuneJob job => FineTuneJobValidator.Validate(job),
        FineTuneSweep sweep => FineTuneSweepValidator.Validate(sweep),
        ModelDeployment deployment => ModelDeploymentValidator.Validate(deployment),
        null => throw new ArgumentNullException(nameof(resource)),
        _ => throw new ArgumentException($"{resource.GetType().Name} is not a TuneOperator resource", nameof(resource)),
    };

    /// <summary>Reads a manifest and validates it: decoding errors, or else validation errors.</summary>
    public static (object? Resource, IReadOnlyList<ValidationError> Errors) ReadAndValidate(string yaml)
    {
        var result = ManifestReader.Read(yaml);
        return result.Succeeded ? (result.Resource, Validate(result.Resource!)) : (null, result.Errors);
    }
}
