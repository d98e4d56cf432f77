namespace TuneOperator.Api.Validation;

/// <summary>Thrown by the <c>*OrThrow</c> helpers when a manifest or resource is invalid.</summary>
public sealed class ValidationException : Exception
{
    /// <summary>Creates the exception from the errors found.</summary>
    public ValidationException(IReadOnlyList<ValidationError> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    /// <summary>Creates an exception with a single message.</summary>
    public ValidationException(string message)
        : base(message)
    {
        Errors = [new ValidationError("", message)];
    }

    /// <summary>Creates an exception with a single message and its cause.</summary>
    public ValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new ValidationError("", message)];
    }

    /// <summary>Creates an exception with no details.</summary>
    public ValidationException()
        : this("the resource is invalid")
    {
    }

    /// <summary>Every error, each naming its field.</summary>
    public IReadOnlyList<ValidationError> Errors { get; }

    private static string Format(IReadOnlyList<ValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return "invalid resource:" + string.Concat(errors.Select(e => "\n  " + e));
    }
}
