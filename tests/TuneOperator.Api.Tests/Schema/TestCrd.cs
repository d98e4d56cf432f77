using System.Text.Json.Nodes;
using TuneOperator.Testing.Schema;

namespace TuneOperator.Api.Tests.Schema;

/// <summary>Builds small CRDs and objects for the schema tests.</summary>
internal static class TestCrd
{
    public const string ApiVersion = "test.example.com/v1";

    /// <summary>A CRD of kind Widget whose root schema has <c>spec</c> with the given schema.</summary>
    public static JsonNode WithSpec(string specSchema) =>
        WithRoot("""{"type":"object","properties":{"spec":""" + specSchema + "}}");

    /// <summary>A CRD of kind Widget with the given root schema.</summary>
    public static JsonNode WithRoot(string rootSchema) => JsonNode.Parse("""
        {
          "apiVersion": "apiextensions.k8s.io/v1",
          "kind": "CustomResourceDefinition",
          "metadata": {"name": "widgets.test.example.com"},
          "spec": {
            "group": "test.example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": [
              {"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": ROOT}}
            ]
          }
        }
        """.Replace("ROOT", rootSchema, StringComparison.Ordinal))!;

    public static CrdValidator Validator(string specSchema) => CrdValidator.FromCrd(WithSpec(specSchema));

    /// <summary>A Widget named w with the given spec.</summary>
    public static JsonNode Widget(string spec) =>
        JsonNode.Parse("""{"apiVersion":"test.example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":""" + spec + "}")!;

    public static IReadOnlyList<string> Errors(this CrdValidator validator, string spec, string? oldSpec = null) =>
        [.. validator.Validate(Widget(spec), oldSpec is null ? null : Widget(oldSpec)).Errors.Select(e => e.ToString())];

    public static IReadOnlyList<string> Lint(string specSchema) => [.. Validator(specSchema).Lint().Select(e => e.ToString())];
}
