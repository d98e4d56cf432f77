using System.Text.Json.Nodes;
using TuneOperator.Testing.Schema;
using Xunit;

namespace TuneOperator.Api.Tests.Schema;

public sealed class CrdValidatorTests
{
    [Fact]
    public void Reads_group_version_kind_and_schema_from_the_crd()
    {
        var validator = CrdValidator.FromCrd(TestCrd.WithSpec("""{"type":"object"}"""));
        Assert.Equal("test.example.com", validator.Group);
        Assert.Equal("v1", validator.Version);
        Assert.Equal("Widget", validator.Kind);
        Assert.Equal("object", validator.Schema["type"]!.GetValue<string>());
        var error = Assert.Throws<ArgumentException>(() => CrdValidator.FromCrd(TestCrd.WithSpec("""{"type":"object"}"""), "v2"));
        Assert.Contains("no version 'v2'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Object_metadata_survives_a_schema_that_declares_metadata_as_a_plain_object()
    {
        var validator = CrdValidator.FromCrd(TestCrd.WithRoot("""{"type":"object","properties":{"metadata":{"type":"object"},"spec":{"type":"object"}}}"""));
        var widget = JsonNode.Parse("""{"apiVersion":"test.example.com/v1","kind":"Widget","metadata":{"name":"w","labels":{"a":"b"}},"spec":{}}""")!;

        var result = validator.Validate(widget);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal("w", (string?)result.Object["metadata"]!["name"]);
        Assert.Equal("b", (string?)result.Object["metadata"]!["labels"]!["a"]);
    }

    [Fact]
    public void Objects_built_in_code_validate_like_parsed_ones()
    {
        var validator = TestCrd.Validator("""{"type":"object","properties":{"rate":{"type":"number","x-kubernetes-validations":[{"rule":"self > 0.0"}]},"replicas":{"type":"integer","minimum":1}}}""");
        var built = new JsonObject
        {
            ["apiVersion"] = "test.example.com/v1",
            ["kind"] = "Widget",
            ["metadata"] = new JsonObject { ["name"] = "w" },
            ["spec"] = new JsonObject { ["rate"] = 0.5, ["replicas"] = 0 },
        };

        var errors = validator.Validate(built).Errors.Select(e => e.ToString()).ToList();

        Assert.Single(errors);
        Assert.StartsWith("spec.replicas", errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_object_has_no_errors_and_is_not_modified()
    {
        var validator = TestCrd.Validator("""{"type":"object","properties":{"replicas":{"type":"integer","default":1}}}""");
        var input = TestCrd.Widget("{}");
        var result = validator.Validate(input);
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(1, result.Object["spec"]!["replicas"]!.GetValue<int>());
        Assert.Null(input["spec"]!["replicas"]);
    }

    [Theory]
    [InlineData("""{"replicas":"abc"}""", """spec.replicas: Invalid value: "abc": spec.replicas in body must be of type integer: "string" """)]
    [InlineData("""{"replicas":1.5}""", "spec.replicas: Invalid value: 1.5: spec.replicas in body must be of type integer: \"number\"")]
    [InlineData("""{"rate":"x"}""", """spec.rate: Invalid value: "x": spec.rate in body must be of type number: "string" """)]
    [InlineData("""{"name":5}""", "spec.name: Invalid value: 5: spec.name in body must be of type string: \"integer\"")]
    [InlineData("""{"enabled":"yes"}""", """spec.enabled: Invalid value: "yes": spec.enabled in body must be of type boolean: "string" """)]
    [InlineData("""{"tags":"a"}""", """spec.tags: Invalid value: "a": spec.tags in body must be of type array: "string" """)]
    [InlineData("""{"nested":[]}""", """spec.nested: Invalid value: "array": spec.nested in body must be of type object: "array" """)]
    public void Type_mismatches_name_the_field_and_both_types(string spec, string expected)
    {
        var validator = TestCrd.Validator("""
            {"type":"object","properties":{
              "replicas":{"type":"integer"},"rate":{"type":"number"},"name":{"type":"string"},"enabled":{"type":"boolean"},
              "tags":{"type":"array","items":{"type":"string"}},"nested":{"type":"object","properties":{}}}}
            """);
        Assert.Equal([expected.TrimEnd()], validator.Errors(spec));
    }

    [Fact]
    public void Whole_numbers_are_integers_and_integers_are_numbers()
    {
        var validator = TestCrd.Validator("""{"type":"object","properties":{"n":{"type":"integer"},"x":{"type":"number"}}}""");
        Assert.Empty(validator.Errors("""{"n": 2.0, "x": 3}"""));
    }

    [Fact]
    public void Unknown_fields_are_reported_and_pruned_everywhere_except_preserved_nodes()
    {
        var validator = TestCrd.Validator("""
            {"type":"object","properties":{
              "items":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"}}}},
              "free":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}
            """);
        var result = validator.Validate(TestCrd.Widget("""{"bogus":1,"items":[{"name":"a","extra":true}],"free":{"anything":{"goes":1}}}"""));
        Assert.Equal(["unknown field \"spec.bogus\"", "unknown field \"spec.items[0].extra\""], result.Errors.Select(e => e.ToString()));
        Assert.Null(result.Object["spec"]!["bogus"]);
        Assert.Null(result.Object["spec"]!["items"]![0]!["extra"]);
        Assert.Equal(1, result.Object["spec"]!["free"]!["anything"]!["goes"]!.GetValue<int>());
        Assert.Equal(ValidationErrorType.UnknownField, result.Errors[0].Type);
        Assert.Equal("spec.bogus", result.Errors[0].Field);
    }

    [Fact]
    public void Unknown_top_level_and_metadata_fields_are_reported()
    {
        var validator = TestCrd.Validator("""{"type":"object"}""");
        var obj = JsonNode.Parse($$$"""{"apiVersion":"{{{TestCrd.ApiVersion}}}","kind":"Widget","metadata":{"name":"w","labelz":{}},"spec":{},"extra":1}""")!;
        Assert.Equal(["unknown field \"metadata.labelz\"", "unknown field \"extra\""], validator.Validate(obj).Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Embedded_resources_keep_their_type_and_object_meta()
    {
        var validator = TestCrd.Validator("""
            {"type":"object","properties":{"template":{"type":"object","x-kubernetes-embedded-resource":true,"x-kubernetes-preserve-unknown-fields":true},
              "pod":{"type":"object","x-kubernetes-embedded-resource":true,"properties":{"spec":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}
            """);
        var result = validator.Validate(TestCrd.Widget("""
            {"pod":{"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"a":"b"},"bogus":1},"spec":{"containers":[]},"status":{}}}
            """));
        Assert.Equal(["unknown field \"spec.pod.metadata.bogus\"", "unknown field \"spec.pod.status\""], result.Errors.Select(e => e.ToString()));
        Assert.Equal("Pod", result.Object["spec"]!["pod"]!["kind"]!.GetValue<string>());
        Assert.Equal("b", result.Object["spec"]!["pod"]!["metadata"]!["labels"]!["a"]!.GetValue<string>());
    }

    [Fact]
    public void Defaults_are_applied_recursively_before_validation()
    {
        var validator = TestCrd.Validator("""
            {"type":"object","properties":{
              "training":{"type":"object","default":{},"properties":{
                "epochs":{"type":"integer","default":3,"minimum":1},
                "optimizer":{"type":"object","default":{"name":"adamw"},"properties":{
                  "name":{"type":"string"},"beta":{"type":"number","default":0.9}}}}},
              "note":{"type":"string","default":"none"},
              "maybe":{"type":"string","nullable":true,"default":"d"}}}
            """);
        var result = validator.Validate(TestCrd.Widget("""{"note":null,"maybe":null}"""));
        Assert.True(result.IsValid, result.ToString());
        var spec = result.Object["spec"]!;
        Assert.Equal(3, spec["training"]!["epochs"]!.GetValue<int>());
        Assert.Equal("adamw", spec["training"]!["optimizer"]!["name"]!.GetValue<string>());
        Assert.Equal(0.9, spec["training"]!["optimizer"]!["beta"]!.GetValue<double>());
        Assert.Equal("none", spec["note"]!.GetValue<string>());
        Assert.True(spec.AsObject().ContainsKey("maybe"));
        Assert.Null(spec["maybe"]);

        var explicitValue = validator.Validate(TestCrd.Widget("""{"training":{"epochs":0}}"""));
        Assert.Equal(["spec.training.epochs: Invalid value: 0: spec.training.epochs in body should be greater than or equal to 1"],
            explicitValue.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Null_in_a_non_nullable_field_without_default_is_dropped()
    {
        var validator = TestCrd.Validator("""{"type":"object","properties":{"name":{"type":"string"}}}""");
        var result = validator.Validate(TestCrd.Widget("""{"name":null}"""));
        Assert.True(result.IsValid, result.ToString());
        Assert.False(result.Object["spec"]!.AsObject().ContainsKey("name"));
        var inArray = TestCrd.Validator("""{"type":"object","properties":{"l":{"type":"array","items":{"type":"string"}}}}""");
        Assert.Equal(["spec.l[0]: Invalid value: \"null\": spec.l[0] in body must be of type string: \"null\""], inArray.Errors("""{"l":[null]}"""));
    }

    [Fact]
    public void Required_fields()
    {
        var validator = TestCrd.Validator("""
            {"type":"object","required":["model"],"properties":{"model":{"type":"object","required":["name"],"properties":{"name":{"type":"string"}}}}}
            """);
        Assert.Equal(["spec.model: Required value"], validator.Errors("{}"));
        Assert.Equal(["spec.model.name: Required value"], validator.Errors("""{"model":{}}"""));
    }

    [Fact]
    public void Enum_lists_the_supported_values()
    {
        var validator = TestCrd.Validator("""{"type":"object","properties":{"method":{"type":"string","enum":["lora","full"]}}}""");
        Assert.Equal(["spec.method: Unsupported value: \"bogus\": supported values: \"lora\", \"full\""], validator.Errors("""{"method":"bogus"}"""));
        Assert.Empty(validator.Errors("""{"method":"full"}"""));
    }

    [Fact]
    public void Numeric_bounds_inclusive_and_exclusive()
    {
        var validator = TestCrd.Validator("""
            {"type":"object","properties":{
              "split":{"type":"number","minimum":0,"exclusiveMinimum":true,"maximum":0.5},
              "lr":{"type":"number","exclusiveMaximum":true,"maximum":1},
              "n":{"type":"integer","minimum":1,"maximum":10,"multipleOf":2}}}
            """);
        Assert.Empty(validator.Errors("""{"split":0.5,"lr":0.99,"n":4}"""));
        Assert.Equal(
        [
            "spec.split: Invalid value: 0: spec.split in body should be greater than 0",
            "spec.lr: Invalid value: 1: spec.lr in body should be less than 1",
            "spec.n: Invalid value: 11: spec.n in body should be less than or equal to 10",
            "spec.n: Invalid value: 11: spec.n in body should be a multiple of 2",
        ], validator.Errors("""{"split":0,"lr":1,"n":11}"""));
        Assert.Equal(["spec.split: Invalid value: 0.75: spec.split in body should be less than or equal to 0.5"], validator.Errors("""{"split":0.75}"""));
        Assert.Equal(["spec.n: Invalid value: 0: spec.n in body should be greater than or equal to 1"], validator.Errors("""{"n":0}"""));
    }

    [Fact]
    public void String_length_and_pattern()
    {
        var validator = TestCrd.Validator("""
            {"type":"object","properties":{"name":{"type":"string","minLength":2,"maxLength":5,"pattern":"^[a-z]+$"}}}
            """);
        Assert.Empty(validator.Errors("""{"name":"héllo"}""".Replace("é", "e", StringComparison.Ordinal)));
        Assert.Equal(["spec.name: Too long: may not be more than 5 bytes"], validator.Errors("""{"name":"abcdef"}"""));
        Assert.Equal(["spec.name: Invalid value: \"a\": spec.name in body should be at least 2 chars long"], validator.Errors("""{"name":"a"}"""));
        Assert.Equal(["spec.name: Invalid value: \"AB\": spec.name in body should match '^[a-z]+$'"], validator.Errors("""{"name":"AB"}"""));
    }

    [Fact]
    public void Array_and_object_sizes()
    {
        var validator = TestCrd.Validator("""
            {"type":"object","properties":{
              "tags":{"type":"array","minItems":1,"maxItems":2,"items":{"type":"string"}},
              "labels":{"type":"object","minProperties":1,"maxProperties":2,"additionalProperties":{"type":"string","maxLength":3}}}}
            """);
        Assert.Empty(validator.Errors("""{"tags":["a"],"labels":{"a":"x"}}"""));
        Assert.Equal(
        [
            "spec.tags: Too many: 3: must have at most 2 items",
            "spec.labels: Too many: 3: must have at most 2 items",
        ], validator.Errors("""{"tags":["a","b","c"],"labels":{"a":"x","b":"y","c":"z"}}"""));
        Assert.Equal(
        [
            "spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items",
            "spec.labels: Invalid value: 0: spec.labels in body should have at least 1 properties",
        ], validator.Errors("""{"tags":[],"labels":{}}"""));
        Assert.Equal(["spec.labels[team]: Too long: may not be more than 3 bytes"], validator.Errors("""{"labels":{"team":"abcd"}}"""));
        Assert.Equal(["spec.labels[n]: Invalid value: 1: spec.labels[n] in body must be of type string: \"integer\""], validator.Errors("""{"labels":{"n":1}}"""));
    }

    [Fact]
    public void Formats()
    {
        var validator = TestCrd.Validator("""
            {"type":"object","properties":{
              "small":{"type":"integer","format":"int32"},"at":{"type":"string","format":"date-time"},
              "timeout":{"type":"string","format":"duration"},"id":{"type":"string","format":"uuid"}}}
            """);
        Assert.Empty(validator.Errors("""{"small":2147483647,"at":"2024-01-01T00:00:00Z","timeout":"1h30m","id":"9b2f5f4e-8b1a-4c51-9d0e-6d8c0b0f9a11"}"""));
        Assert.Equal(
        [
            "spec.small: Invalid value: 2147483648: spec.small in body must be of type int32: 2147483648",
            "spec.at: Invalid value: \"yesterday\": spec.at in body must be of type date-time: \"yesterday\"",
            "spec.timeout: Invalid value: \"soon\": spec.timeout in body must be of type duration: \"soon\"",
            "spec.id: Invalid value: \"x\": spec.id in body must be of type uuid: \"x\"",
        ], validator.Errors("""{"small":2147483648,"at":"yesterday","timeout":"soon","id":"x"}"""));
    }

    [Fact]
    public void Int_or_string_accepts_integers_and_strings_only()
    {
        var validator = TestCrd.Validator("""{"type":"object","properties":{"port":{"x-kubernetes-int-or-string":true}}}""");
        Assert.Empty(validator.Errors("""{"port":8080}"""));
        Assert.Empty(validator.Errors("""{"port":"50%"}"""));
        Assert.Equal(["spec.port: Invalid value: true: spec.port in body must be of type integer or string: \"boolean\""], validator.Errors("""{"port":true}"""));
    }

    [Fact]
    public void List_type_set_rejects_duplicates()
    {
        var validator = TestCrd.Validator("""{"type":"object","properties":{"tags":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}}}}""");
        Assert.Empty(validator.Errors("""{"tags":["a","b"]}"""));
        Assert.Equal(["spec.tags[2]: Duplicate value: \"a\""], validator.Errors("""{"tags":["a","b","a"]}"""));
    }

    [Fact]
    public void List_type_map_rejects_duplicate_keys()
    {
        var validator = TestCrd.Validator("""
            {"type":"object","properties":{"conditions":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["type"],
              "items":{"type":"object","required":["type"],"properties":{"type":{"type":"string"},"status":{"type":"string"}}}}}}
            """);
        Assert.Empty(validator.Errors("""{"conditions":[{"type":"Ready","status":"True"},{"type":"Failed","status":"False"}]}"""));
        Assert.Equal(["spec.conditions[1]: Duplicate value: {\"type\":\"Ready\"}"],
            validator.Errors("""{"conditions":[{"type":"Ready","status":"True"},{"type":"Ready","status":"False"}]}"""));
    }

    [Fact]
    public void Metadata_name_must_be_a_dns_subdomain_and_type_meta_must_match()
    {
        var validator = TestCrd.Validator("""{"type":"object"}""");
        var badName = JsonNode.Parse($$$"""{"apiVersion":"{{{TestCrd.ApiVersion}}}","kind":"Widget","metadata":{"name":"My_Job"}}""")!;
        var error = Assert.Single(validator.Validate(badName).Errors);
        Assert.Equal("metadata.name", error.Field);
        Assert.StartsWith("metadata.name: Invalid value: \"My_Job\": a lowercase RFC 1123 subdomain", error.ToString(), StringComparison.Ordinal);

        var noName = JsonNode.Parse($$$"""{"apiVersion":"{{{TestCrd.ApiVersion}}}","kind":"Widget","metadata":{}}""")!;
        Assert.Equal(["metadata.name: Required value: name or generateName is required"], validator.Validate(noName).Errors.Select(e => e.ToString()));

        var generated = JsonNode.Parse($$$"""{"apiVersion":"{{{TestCrd.ApiVersion}}}","kind":"Widget","metadata":{"generateName":"w-"}}""")!;
        Assert.True(validator.Validate(generated).IsValid);

        var wrongType = JsonNode.Parse("""{"apiVersion":"test.example.com/v2","kind":"Gadget","metadata":{"name":"w"}}""")!;
        Assert.Equal(
        [
            "apiVersion: Invalid value: \"test.example.com/v2\": must be test.example.com/v1",
            "kind: Invalid value: \"Gadget\": must be Widget",
        ], validator.Validate(wrongType).Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Metadata_name_restrictions_from_the_schema_apply()
    {
        var validator = CrdValidator.FromCrd(TestCrd.WithRoot("""
            {"type":"object","properties":{"metadata":{"type":"object","properties":{"name":{"type":"string","maxLength":5}}}}}
            """));
        var obj = JsonNode.Parse($$$"""{"apiVersion":"{{{TestCrd.ApiVersion}}}","kind":"Widget","metadata":{"name":"toolong"}}""")!;
        Assert.Equal(["metadata.name: Too long: may not be more than 5 bytes"], validator.Validate(obj).Errors.Select(e => e.ToString()));
    }
}
