using TuneOperator.Testing.Schema;
using Xunit;

namespace TuneOperator.Api.Tests.Schema;

public sealed class YamlJsonTests
{
    [Fact]
    public void Plain_scalars_resolve_like_kubectl_and_quoted_ones_stay_strings()
    {
        var node = YamlJson.Parse("""
            int: 42
            negative: -7
            float: 0.5
            exp: 1e-4
            leadingDot: .25
            yes: yes
            off: off
            truth: true
            nothing: ~
            empty:
            quoted: "42"
            single: 'true'
            tagged: !!str 3
            octal: 010
            hex: 0x1F
            version: 1.2.3
            text: hello world
            block: |
              line one
              line two
            list: [1, "2", three]
            """)!;
        Assert.Equal("""{"int":42,"negative":-7,"float":0.5,"exp":1e-4,"leadingDot":0.25,"yes":true,"off":false,"truth":true,"nothing":null,"empty":null,"quoted":"42","single":"true","tagged":"3","octal":8,"hex":31,"version":"1.2.3","text":"hello world","block":"line one\nline two\n","list":[1,"2","three"]}""",
            node.ToJsonString());
    }

    [Fact]
    public void Multiple_documents_anchors_and_merge_keys()
    {
        var documents = YamlJson.ParseAll("""
            first: 1
            ---
            ---
            base: &base
              a: 1
              b: 2
            derived:
              <<: *base
              b: 3
            copy: *base
            """);
        Assert.Equal(2, documents.Count);
        Assert.Equal("""{"first":1}""", documents[0]!.ToJsonString());
        Assert.Equal("""{"base":{"a":1,"b":2},"derived":{"b":3,"a":1},"copy":{"a":1,"b":2}}""", documents[1]!.ToJsonString());
        Assert.Contains("expected one YAML document", Assert.Throws<FormatException>(() => YamlJson.Parse("a: 1\n---\nb: 2")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_yaml_and_values_without_json_form_are_errors()
    {
        Assert.Contains("invalid YAML at line", Assert.Throws<FormatException>(() => YamlJson.Parse("a: [1, 2")).Message, StringComparison.Ordinal);
        Assert.Contains("duplicate key", Assert.Throws<FormatException>(() => YamlJson.Parse("a: 1\na: 2")).Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("no JSON representation", Assert.Throws<FormatException>(() => YamlJson.Parse("x: .inf")).Message, StringComparison.Ordinal);
        Assert.Contains("map keys must be strings", Assert.Throws<FormatException>(() => YamlJson.Parse("? [a]\n: 1")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_yaml_manifest_validates_against_a_yaml_crd()
    {
        var crd = YamlJson.Parse("""
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: widgets.test.example.com
            spec:
              group: test.example.com
              names: {kind: Widget, plural: widgets}
              scope: Namespaced
              versions:
                - name: v1
                  served: true
                  storage: true
                  schema:
                    openAPIV3Schema:
                      type: object
                      properties:
                        spec:
                          type: object
                          properties:
                            enabled: {type: boolean}
                            rate: {type: number, minimum: 0}
                            replicas: {type: integer}
            """)!;
        var validator = CrdValidator.FromCrd(crd);
        Assert.Empty(validator.Lint());
        var obj = YamlJson.Parse("""
            apiVersion: test.example.com/v1
            kind: Widget
            metadata: {name: w}
            spec:
              enabled: on
              rate: 1
              replicas: "2"
            """)!;
        Assert.Equal(["spec.replicas: Invalid value: \"2\": spec.replicas in body must be of type integer: \"string\""],
            validator.Validate(obj).Errors.Select(e => e.ToString()));
    }
}
