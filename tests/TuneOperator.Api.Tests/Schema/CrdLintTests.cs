using System.Text.Json.Nodes;
using TuneOperator.Testing.Schema;
using Xunit;

namespace TuneOperator.Api.Tests.Schema;

public sealed class CrdLintTests
{
    private const string Spec = "openAPIV3Schema.properties[spec]";

    [Fact]
    public void A_well_formed_schema_with_bounded_rules_has_no_findings()
    {
        Assert.Empty(TestCrd.Lint("""
            {"type":"object",
             "x-kubernetes-validations":[
               {"rule":"has(self.model) != has(self.init)","message":"set exactly one of model or init"},
               {"rule":"self.method == 'lora' || !has(self.lora)","message":"lora is only allowed when method is lora"},
               {"rule":"self.model == oldSelf.model","message":"model is immutable"}],
             "properties":{
               "model":{"type":"string","maxLength":253},
               "init":{"type":"string","maxLength":253},
               "method":{"type":"string","enum":["lora","full"],"default":"lora"},
               "lora":{"type":"object","properties":{"rank":{"type":"integer","default":8,"minimum":1}}},
               "rate":{"type":"number","x-kubernetes-validations":[{"rule":"self > 0.0"}]},
               "tags":{"type":"array","maxItems":16,"x-kubernetes-list-type":"set","items":{"type":"string","maxLength":63},
                 "x-kubernetes-validations":[{"rule":"self.all(t, t.size() > 0)"}]},
               "labels":{"type":"object","maxProperties":8,"additionalProperties":{"type":"string","maxLength":63}},
               "conditions":{"type":"array","maxItems":8,"x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["type"],
                 "items":{"type":"object","required":["type"],"properties":{"type":{"type":"string","maxLength":32},"status":{"type":"string","enum":["True","False","Unknown"]}},
                   "x-kubernetes-validations":[{"rule":"self.status == oldSelf.status || oldSelf.status == 'Unknown'"}]}},
               "extra":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
               "port":{"x-kubernetes-int-or-string":true}}}
            """));
    }

    [Fact]
    public void Structural_schema_rules()
    {
        var findings = TestCrd.Lint("""
            {"type":"object","properties":{
              "untyped":{"description":"no type"},
              "both":{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":{"type":"string"}},
              "list":{"type":"array"},
              "unique":{"type":"array","uniqueItems":true,"items":{"type":"string"}},
              "ref":{"type":"object","$ref":"#/definitions/x"},
              "weird":{"type":"thing"}}}
            """);
        Assert.Equal(
        [
            $"{Spec}.properties[untyped].type: Required value: must not be empty for specified object fields",
            $"{Spec}.properties[both].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive",
            $"{Spec}.properties[list].items: Required value: must be specified",
            $"{Spec}.properties[unique].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic (use x-kubernetes-list-type: set)",
            $"{Spec}.properties[ref].$ref: Forbidden: $ref is not allowed in a structural schema",
            $"{Spec}.properties[weird].type: Unsupported value: \"thing\": supported values: \"array\", \"boolean\", \"integer\", \"number\", \"object\", \"string\"",
        ], findings);
    }

    [Fact]
    public void Defaults_must_validate_against_their_schema()
    {
        var findings = TestCrd.Lint("""
            {"type":"object","properties":{
              "epochs":{"type":"integer","minimum":1,"default":0},
              "name":{"type":"string","default":5},
              "opt":{"type":"object","properties":{"a":{"type":"string"}},"default":{"a":"x","b":1}},
              "mode":{"type":"string","enum":["a","b"],"default":"c"},
              "ok":{"type":"string","default":"fine"}}}
            """);
        Assert.Equal(
        [
            $"{Spec}.properties[epochs].default: Invalid value: 0: <nil>: Invalid value: 0: body should be greater than or equal to 1",
            $"{Spec}.properties[name].default: Invalid value: 5: <nil>: Invalid value: 5: body must be of type string: \"integer\"",
            $"{Spec}.properties[opt].default: Invalid value: \"object\": must not have unknown fields: b",
            $"{Spec}.properties[mode].default: Invalid value: \"c\": <nil>: Unsupported value: \"c\": supported values: \"a\", \"b\"",
        ], findings);
    }

    [Fact]
    public void Enum_values_must_have_the_node_type()
    {
        Assert.Equal([$"{Spec}.properties[n].enum[1]: Invalid value: \"two\": enum value must be of type integer: \"string\""],
            TestCrd.Lint("""{"type":"object","properties":{"n":{"type":"integer","enum":[1,"two"]}}}"""));
    }

    [Fact]
    public void Metadata_may_only_restrict_name_and_generate_name()
    {
        var allowed = CrdValidator.FromCrd(TestCrd.WithRoot("""
            {"type":"object","properties":{"metadata":{"type":"object","properties":{"name":{"type":"string","maxLength":63}}}}}
            """)).Lint();
        Assert.Empty(allowed);
        var forbidden = CrdValidator.FromCrd(TestCrd.WithRoot("""
            {"type":"object","properties":{"metadata":{"type":"object","properties":{"labels":{"type":"object"}}}}}
            """)).Lint();
        Assert.Equal(["openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified"],
            forbidden.Select(e => e.ToString()));
    }

    [Fact]
    public void Root_must_be_an_object()
    {
        var findings = CrdValidator.FromCrd(TestCrd.WithRoot("""{"type":"string"}""")).Lint();
        Assert.Equal(["openAPIV3Schema.type: Invalid value: \"string\": must be object at the root"], findings.Select(e => e.ToString()));
    }

    [Fact]
    public void List_type_declarations()
    {
        var findings = TestCrd.Lint("""
            {"type":"object","properties":{
              "noKeys":{"type":"array","maxItems":4,"x-kubernetes-list-type":"map","items":{"type":"object","properties":{"k":{"type":"string"}}}},
              "optionalKey":{"type":"array","maxItems":4,"x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["k"],"items":{"type":"object","properties":{"k":{"type":"string"}}}},
              "missingKey":{"type":"array","maxItems":4,"x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["z"],"items":{"type":"object","properties":{"k":{"type":"string"}}}},
              "scalarMap":{"type":"array","maxItems":4,"x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["k"],"items":{"type":"string"}},
              "objectSet":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"object","properties":{"k":{"type":"string"}}}},
              "keysWithoutMap":{"type":"array","x-kubernetes-list-map-keys":["k"],"items":{"type":"object","properties":{"k":{"type":"string"}}}},
              "defaultedKey":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["k"],"items":{"type":"object","properties":{"k":{"type":"string","default":"x"}}}}}}
            """);
        Assert.Equal(
        [
            $"{Spec}.properties[noKeys].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map",
            $"{Spec}.properties[optionalKey].x-kubernetes-list-map-keys: Invalid value: \"k\": all map keys must be required or have a default value",
            $"{Spec}.properties[missingKey].x-kubernetes-list-map-keys: Invalid value: \"z\": entries must all be names of item properties",
            $"{Spec}.properties[scalarMap].items.type: Invalid value: \"string\": must be object if x-kubernetes-list-type is map",
            $"{Spec}.properties[objectSet].items.type: Invalid value: \"object\": must be a scalar (or an atomic object) for x-kubernetes-list-type: set",
            $"{Spec}.properties[keysWithoutMap].x-kubernetes-list-map-keys: Forbidden: must only be used with x-kubernetes-list-type: map",
        ], findings);
    }

    [Fact]
    public void Rules_with_syntax_errors_or_unknown_references_fail_compilation()
    {
        var findings = TestCrd.Lint("""
            {"type":"object",
             "x-kubernetes-validations":[
               {"rule":"self.replicas >"},
               {"rule":"self.replicaz > 0"},
               {"rule":"self.replicas.foo > 0"},
               {"rule":"nope(self.replicas)"},
               {"rule":"other.replicas > 0"},
               {"rule":"self.replicas.size() > 0 && self.labels.anything == 'x'"}],
             "properties":{"replicas":{"type":"integer"},"labels":{"type":"object","maxProperties":4,"additionalProperties":{"type":"string","maxLength":10}}}}
            """);
        Assert.Equal(
        [
            $"{Spec}.x-kubernetes-validations[0].rule: Invalid value: \"self.replicas >\": compilation failed: syntax error at offset 15: unexpected end of expression",
            $"{Spec}.x-kubernetes-validations[1].rule: Invalid value: \"self.replicaz > 0\": compilation failed: undefined field 'replicaz'",
            $"{Spec}.x-kubernetes-validations[2].rule: Invalid value: \"self.replicas.foo > 0\": compilation failed: type 'integer' does not support field selection",
            $"{Spec}.x-kubernetes-validations[3].rule: Invalid value: \"nope(self.replicas)\": compilation failed: undeclared reference to 'nope'",
            $"{Spec}.x-kubernetes-validations[4].rule: Invalid value: \"other.replicas > 0\": compilation failed: undeclared reference to 'other'",
        ], findings);
    }

    [Fact]
    public void Root_rules_may_read_only_name_and_generate_name_of_metadata()
    {
        var findings = CrdValidator.FromCrd(TestCrd.WithRoot("""
            {"type":"object","x-kubernetes-validations":[
              {"rule":"self.metadata.name.size() < 40"},
              {"rule":"has(self.metadata.labels)"}]}
            """)).Lint();
        var finding = Assert.Single(findings);
        Assert.Equal("openAPIV3Schema.x-kubernetes-validations[1].rule", finding.Field);
        Assert.Contains("undefined field 'labels'", finding.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Old_self_is_only_allowed_where_values_correlate()
    {
        var findings = TestCrd.Validator("""
            {"type":"object","properties":{
              "atomic":{"type":"array","maxItems":4,"items":{"type":"object","properties":{"n":{"type":"integer"}},
                "x-kubernetes-validations":[{"rule":"self.n == oldSelf.n"}]}},
              "keyed":{"type":"array","maxItems":4,"x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["k"],
                "items":{"type":"object","required":["k"],"properties":{"k":{"type":"integer"},"n":{"type":"integer"}},
                "x-kubernetes-validations":[{"rule":"self.n == oldSelf.n"}]}},
              "whole":{"type":"array","maxItems":4,"items":{"type":"integer"},"x-kubernetes-validations":[{"rule":"self == oldSelf"}]},
              "byKey":{"type":"object","maxProperties":4,"additionalProperties":{"type":"integer","x-kubernetes-validations":[{"rule":"self >= oldSelf"}]}}}}
            """).Lint();
        var finding = Assert.Single(findings);
        Assert.Equal($"{Spec}.properties[atomic].items.x-kubernetes-validations[0].rule", finding.Field);
        Assert.Contains("oldSelf cannot be used on the uncorrelatable portion of the schema", finding.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_that_read_unbounded_values_are_reported_by_the_cost_check()
    {
        var findings = TestCrd.Lint("""
            {"type":"object",
             "x-kubernetes-validations":[
               {"rule":"self.name.startsWith('a')"},
               {"rule":"self.items.all(i, i > 0)"},
               {"rule":"self.labels.all(k, k != '')"},
               {"rule":"self == oldSelf"},
               {"rule":"has(self.name) && size(self.items) < 3 && size(self.name) > 0"},
               {"rule":"self.bounded.matches('^[a-z]+$')"}],
             "properties":{
               "name":{"type":"string"},
               "bounded":{"type":"string","maxLength":20},
               "items":{"type":"array","items":{"type":"integer"}},
               "labels":{"type":"object","additionalProperties":{"type":"string","maxLength":5}}}}
            """);
        Assert.Equal(
        [
            $"{Spec}.x-kubernetes-validations[0].rule: Forbidden: estimated rule cost may exceed the budget: self.name reads a string without maxLength; add a bound (maxLength, maxItems or maxProperties)",
            $"{Spec}.x-kubernetes-validations[1].rule: Forbidden: estimated rule cost may exceed the budget: self.items is an array without maxItems that the rule iterates over; add a bound (maxLength, maxItems or maxProperties)",
            $"{Spec}.x-kubernetes-validations[2].rule: Forbidden: estimated rule cost may exceed the budget: self.labels is a map without maxProperties that the rule iterates over; add a bound (maxLength, maxItems or maxProperties)",
            $"{Spec}.x-kubernetes-validations[3].rule: Forbidden: estimated rule cost may exceed the budget: self.name reads a string without maxLength; add a bound (maxLength, maxItems or maxProperties)",
            $"{Spec}.x-kubernetes-validations[3].rule: Forbidden: estimated rule cost may exceed the budget: self.items reads an array without maxItems; add a bound (maxLength, maxItems or maxProperties)",
            $"{Spec}.x-kubernetes-validations[3].rule: Forbidden: estimated rule cost may exceed the budget: self.labels reads a map without maxProperties; add a bound (maxLength, maxItems or maxProperties)",
        ], findings.Select(f => f.Replace("oldSelf.", "self.", StringComparison.Ordinal)).Distinct());
    }

    [Fact]
    public void Rules_under_unbounded_arrays_are_reported_by_the_cost_check()
    {
        var findings = TestCrd.Lint("""
            {"type":"object","properties":{
              "items":{"type":"array","items":{"type":"integer","x-kubernetes-validations":[{"rule":"self > 0"}]}}}}
            """);
        Assert.Equal([$"{Spec}.properties[items].items.x-kubernetes-validations[0].rule: Forbidden: estimated rule cost may exceed the budget: the rule runs once per item of {Spec}.properties[items] (an array without maxItems); add a bound"],
            findings);
    }

    [Fact]
    public void Rule_metadata_is_checked()
    {
        var findings = TestCrd.Lint("""
            {"type":"object","x-kubernetes-validations":[
              {"rule":"self.n > 0","reason":"Bogus","fieldPath":".m"},
              {"rule":"self.n > 0","fieldPath":".n"},
              {"rule":"self.n > 0","messageExpression":"self.q"},
              {"rule":"self.n > 0","message":"two\nlines"},
              {"rule":" "}],
             "properties":{"n":{"type":"integer"}}}
            """);
        Assert.Equal(
        [
            $"{Spec}.x-kubernetes-validations[0].reason: Unsupported value: \"Bogus\": supported values: \"FieldValueDuplicate\", \"FieldValueForbidden\", \"FieldValueInvalid\", \"FieldValueRequired\"",
            $"{Spec}.x-kubernetes-validations[0].fieldPath: Invalid value: \".m\": fieldPath must be a valid path to a field of the schema, such as .spec.replicas or .labels['key']",
            $"{Spec}.x-kubernetes-validations[2].messageExpression: Invalid value: compilation failed: undefined field 'q'",
            $"{Spec}.x-kubernetes-validations[3].message: Invalid value: \"two\\nlines\": message must be non-empty and must not contain line breaks",
            $"{Spec}.x-kubernetes-validations[4].rule: Required value: rule is not specified",
        ], findings);
    }

    [Fact]
    public void Operators_on_statically_known_types_need_an_overload()
    {
        var findings = TestCrd.Validator("""
            {"type":"object",
             "x-kubernetes-validations":[
               {"rule":"self.rate > 0"},
               {"rule":"self.rate > 0.0 && self.steps > 0 && double(self.steps) * self.rate < 10.0"},
               {"rule":"self.steps + 1.5 > 2.0"},
               {"rule":"self.name == 1"},
               {"rule":"size(self.name) > 2u"},
               {"rule":"self.at + duration('1h') > self.at && self.timeout < duration('1h')"},
               {"rule":"'rate' in self"},
               {"rule":"self['rate'] > 0.0"},
               {"rule":"self.name[0] == 'a'"}],
             "properties":{"rate":{"type":"number"},"steps":{"type":"integer"},"name":{"type":"string","maxLength":10},
               "at":{"type":"string","format":"date-time"},"timeout":{"type":"string","format":"duration"}}}
            """).Lint();
        Assert.Equal(
        [
            "[0]: found no matching overload for '_>_' applied to '(double, int)'",
            "[2]: found no matching overload for '_+_' applied to '(int, double)'",
            "[3]: found no matching overload for '_==_' applied to '(string, int)'",
            "[4]: found no matching overload for '_>_' applied to '(int, uint)'",
            "[6]: found no matching overload for '@in' applied to '(string, object)' (an object with properties is not a map; use has())",
            "[7]: found no matching overload for '_[_]' applied to '(object, ...)' (an object with properties is not a map; select its fields with '.')",
            "[8]: found no matching overload for '_[_]' applied to '(string, ...)'",
        ], findings.Select(f => f.Field[(f.Field.LastIndexOf('[') )..f.Field.LastIndexOf('.')] + ": " + f.Detail.Replace("compilation failed: ", "", StringComparison.Ordinal)));
    }

    [Fact]
    public void Schemas_built_in_code_with_dotnet_numbers_behave_like_parsed_ones()
    {
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["name"] = new JsonObject { ["type"] = "string", ["maxLength"] = 5 },
                ["n"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 3.5m, ["default"] = 2 },
                ["tags"] = new JsonObject
                {
                    ["type"] = "array", ["maxItems"] = 2, ["items"] = new JsonObject { ["type"] = "string", ["maxLength"] = 3 },
                    ["x-kubernetes-validations"] = new JsonArray(new JsonObject { ["rule"] = "self.all(t, t != 'x')" }),
                },
            },
        };
        var validator = TestCrd.Validator(schema.ToJsonString());
        Assert.Empty(validator.Lint());
        var crd = TestCrd.WithSpec("""{"type":"object"}""");
        crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"] = schema;
        var inCode = CrdValidator.FromCrd(crd);
        Assert.Empty(inCode.Lint());
        var obj = TestCrd.Widget("{}");
        obj["spec"] = new JsonObject { ["name"] = "abcdef", ["n"] = 4, ["tags"] = new JsonArray("a", "b", "c") };
        Assert.Equal(
        [
            "spec.name: Too long: may not be more than 5 bytes",
            "spec.n: Invalid value: 4: spec.n in body should be less than or equal to 3.5",
            "spec.tags: Too many: 3: must have at most 2 items",
        ], inCode.Validate(obj).Errors.Select(e => e.ToString()));
        var defaulted = inCode.Validate(TestCrd.Widget("{}"));
        Assert.Equal(2, defaulted.Object["spec"]!["n"]!.GetValue<int>());
    }
}
