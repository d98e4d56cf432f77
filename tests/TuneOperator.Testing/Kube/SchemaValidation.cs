using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using TuneOperator.Testing.Schema;

namespace TuneOperator.Testing.Kube;

/// <summary>
/// Plugs the CRD schema + CEL evaluator (<see cref="CrdValidator"/>) into the fake, so custom resources are checked on
/// create and update the way kube-apiserver checks them: OpenAPI schema, CEL rules and transition rules, 422 Invalid
/// with the field paths. Unknown fields are not errors here: a client that does not ask for strict field validation
/// (KubernetesClient does not) gets them pruned with a warning by the real server. Defaulting is not applied to the
/// stored object (see README.md).
/// </summary>
public static class SchemaValidation
{
    /// <summary>A validator for <see cref="KubeApiFake.CustomResourceValidator"/> that caches one CrdValidator per CRD version.</summary>
    public static CustomResourceValidator Create()
    {
        var validators = new ConcurrentDictionary<string, CrdValidator>(StringComparer.Ordinal);
        return (crd, newObject, oldObject) =>
        {
            var apiVersion = (string?)newObject["apiVersion"] ?? "";
            var version = apiVersion[(apiVersion.IndexOf('/', StringComparison.Ordinal) + 1)..];
            var key = (string?)crd["metadata"]?["name"] + "/" + version + "/" + (string?)crd["metadata"]?["resourceVersion"];
            var validator = validators.GetOrAdd(key, _ => CrdValidator.FromCrd(crd, version));
            return [.. validator.Validate(newObject, oldObject).Errors
                .Where(e => e.Type != ValidationErrorType.UnknownField)
                .Select(e => new KubeFieldError(e.Field, e.ToString(), Reason(e.Type)))];
        };
    }

    private static string Reason(ValidationErrorType type) => type switch
    {
        ValidationErrorType.Required => "FieldValueRequired",
        ValidationErrorType.NotSupported => "FieldValueNotSupported",
        ValidationErrorType.Duplicate => "FieldValueDuplicate",
        ValidationErrorType.Forbidden => "FieldValueForbidden",
        ValidationErrorType.TooLong => "FieldValueTooLong",
        ValidationErrorType.TooMany => "FieldValueTooMany",
        _ => "FieldValueInvalid",
    };
}
