namespace TuneOperator.Testing.Schema;

/// <summary>One field error. <see cref="ToString"/> renders it in kube-apiserver's wording, e.g.
/// <c>spec.replicas: Invalid value: 5: spec.replicas in body should be less than or equal to 3</c>.</summary>
/// <param name="Field">The field path (<c>spec.hyperparameters.learningRate</c>, <c>spec.items[0].name</c>);
/// empty for the object itself.</param>
/// <param name="Type">The kind of error.</param>
/// <param name="Value">The offending value as shown in the message (JSON-quoted strings, numbers, a type name for
/// objects); null when the error kind shows no value.</param>
/// <param name="Detail">What is wrong and how to fix it.</param>
public sealed record ValidationError(string Field, ValidationErrorType Type, string? Value, string Detail)
{
    /// <summary>The error as kube-apiserver prints it.</summary>
    public override string ToString()
    {
        if (Type == ValidationErrorType.UnknownField)
        {
            return $"unknown field \"{Field}\"";
        }

        var label = Type switch
        {
            ValidationErrorType.Invalid => "Invalid value",
            ValidationErrorType.Required => "Required value",
            ValidationErrorType.NotSupported => "Unsupported value",
            ValidationErrorType.Duplicate => "Duplicate value",
            ValidationErrorType.Forbidden => "Forbidden",
            ValidationErrorType.TooLong => "Too long",
            _ => "Too many",
        };
        var body = Value is null ? label : $"{label}: {Value}";
        var field = Field.Length == 0 ? "<nil>" : Field;
        return Detail.Length == 0 ? $"{field}: {body}" : $"{field}: {body}: {Detail}";
    }
}
