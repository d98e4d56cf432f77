using System.Text.Json.Nodes;

namespace TuneOperator.Testing.Schema;

/// <summary>The outcome of validating a custom resource.</summary>
/// <param name="Object">The object after pruning unknown fields and applying defaults, as the API server would
/// store it.</param>
/// <param name="Errors">Every error found, unknown fields included.</param>
public sealed record ValidationResult(JsonNode Object, IReadOnlyList<ValidationError> Errors)
{
    /// <summary>True when there are no errors.</summary>
    public bool IsValid => Errors.Count == 0;

    /// <summary>All errors, one per line, in kube-apiserver's wording.</summary>
    public override string ToString() => string.Join(Environment.NewLine, Errors);
}
