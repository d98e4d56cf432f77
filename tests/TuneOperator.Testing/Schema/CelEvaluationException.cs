namespace TuneOperator.Testing.Schema;

/// <summary>A CEL expression evaluated to an error (no such overload, no such key, overflow, division by zero...).</summary>
/// <param name="message">The CEL error message.</param>
public sealed class CelEvaluationException(string message) : Exception(message);
