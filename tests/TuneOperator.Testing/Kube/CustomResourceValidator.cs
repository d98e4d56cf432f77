using System.Text.Json.Nodes;

namespace TuneOperator.Testing.Kube;

/// <summary>
/// Validates a custom resource on create and update, as a CRD's OpenAPI schema and CEL rules would.
/// An empty result accepts the object; otherwise the fake answers 422 Invalid with the errors as causes.
/// </summary>
/// <param name="crd">The CustomResourceDefinition that serves the resource.</param>
/// <param name="newObject">The object as it would be stored.</param>
/// <param name="oldObject">The stored object on update; null on create.</param>
public delegate IReadOnlyList<KubeFieldError> CustomResourceValidator(JsonObject crd, JsonObject newObject, JsonObject? oldObject);
