namespace TuneOperator.Api.Validation;

/// <summary>One problem found in a manifest or a resource.</summary>
/// <param name="Field">Path of the offending field, e.g. <c>spec.hyperparameters.learningRate</c> or
/// <c>spec.dataset.mix[1].weight</c>.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
public sealed record ValidationError(string Field, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Field}: {Message}";
}
