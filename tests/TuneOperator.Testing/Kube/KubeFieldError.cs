namespace TuneOperator.Testing.Kube;

/// <summary>A validation error on one field, reported as a cause of a 422 Invalid status.</summary>
/// <param name="Field">The field path, e.g. <c>spec.runPolicy.backoffLimit</c>.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
/// <param name="Reason">The cause type, e.g. <c>FieldValueInvalid</c> or <c>FieldValueRequired</c>.</param>
public sealed record KubeFieldError(string Field, string Message, string Reason = "FieldValueInvalid");
