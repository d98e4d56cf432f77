using System.Text.Json.Nodes;
using TuneOperator.Testing.Schema;
using Xunit;

namespace TuneOperator.Api.Tests.Schema;

public sealed class CelRuleValidationTests
{
    private const string ModelSchema = """
        {"type":"object","properties":{
          "model":{"type":"object",
            "x-kubernetes-validations":[{"rule":"[has(self.source), has(self.fromJob), has(self.init)].filter(x, x).size() == 1","message":"exactly one of model.source, model.fromJob or model.init must be set"}],
            "properties":{"source":{"type":"string","maxLength":100},"fromJob":{"type":"string","maxLength":63},"init":{"type":"string","maxLength":63}}},
          "rate":{"type":"number","x-kubernetes-validations":[{"rule":"self > 0.0"}]}}}
        """;

    [Fact]
    public void Rules_accept_valid_values_and_reject_invalid_ones_with_their_message()
    {
        var validator = TestCrd.Validator(ModelSchema);
        Assert.Empty(validator.Errors("""{"model":{"source":"hf://x"},"rate":0.001}"""));
        Assert.Equal(["spec.model: Invalid value: \"object\": exactly one of model.source, model.fromJob or model.init must be set"],
            validator.Errors("""{"model":{"source":"a","init":"b"}}"""));
        Assert.Equal(["spec.model: Invalid value: \"object\": exactly one of model.source, model.fromJob or model.init must be set"],
            validator.Errors("""{"model":{}}"""));
    }

    [Fact]
    public void A_rule_without_message_reports_the_rule()
    {
        var validator = TestCrd.Validator(ModelSchema);
        Assert.Equal(["spec.rate: Invalid value: \"number\": failed rule: self > 0.0"], validator.Errors("""{"rate":0}"""));
    }

    [Fact]
    public void Rules_see_defaulted_values()
    {
        var validator = TestCrd.Validator("""
            {"type":"object","x-kubernetes-validations":[{"rule":"self.mode == 'lora' || self.rank == 0"}],
             "properties":{"mode":{"type":"string","default":"full","maxLength":10},"rank":{"type":"integer","default":0}}}
            """);
        Assert.Empty(validator.Errors("{}"));
        Assert.Single(validator.Errors("""{"rank":8}"""));
        Assert.Empty(validator.Errors("""{"mode":"lora","rank":8}"""));
    }

    [Fact]
    public void Message_expression_field_path_and_reason_are_honoured()
    {
        var validator = TestCrd.Validator("""
            {"type":"object",
             "x-kubernetes-validations":[
               {"rule":"self.min <= self.max","messageExpression":"'min (' + string(self.min) + ') must not exceed max (' + string(self.max) + ')'","fieldPath":".min"},
               {"rule":"!has(self.legacy)","message":"legacy is no longer supported","reason":"FieldValueForbidden","fieldPath":".legacy"},
               {"rule":"has(self.owner)","message":"owner is required","reason":"FieldValueRequired","fieldPath":".owner"},
               {"rule":"self.min != 7","messageExpression":"1 + 1","message":"seven is unlucky"}],
             "properties":{"min":{"type":"integer"},"max":{"type":"integer"},"legacy":{"type":"boolean"},"owner":{"type":"string","maxLength":10}}}
            """);
        Assert.Equal(
        [
            "spec.min: Invalid value: \"object\": min (5) must not exceed max (3)",
            "spec.legacy: Forbidden: legacy is no longer supported",
            "spec.owner: Required value: owner is required",
        ], validator.Errors("""{"min":5,"max":3,"legacy":true}"""));
        Assert.Equal(["spec: Invalid value: \"object\": seven is unlucky"], validator.Errors("""{"min":7,"max":9,"owner":"me"}"""));
    }

    [Fact]
    public void Evaluation_errors_are_reported_with_the_rule()
    {
        var validator = TestCrd.Validator("""
            {"type":"object","x-kubernetes-validations":[{"rule":"self.count > 0"}],"properties":{"count":{"type":"integer"}}}
            """);
        Assert.Equal(["spec: Invalid value: \"object\": no such key: count evaluating rule: self.count > 0"], validator.Errors("{}"));
    }

    [Fact]
    public void Rules_run_at_every_node_including_list_items_map_values_and_the_root()
    {
        var crd = TestCrd.WithRoot("""
            {"type":"object",
             "x-kubernetes-validations":[{"rule":"self.metadata.name.startsWith('w')","message":"name must start with w"}],
             "properties":{"spec":{"type":"object","properties":{
               "items":{"type":"array","maxItems":10,"items":{"type":"object","properties":{"n":{"type":"integer"}},
                 "x-kubernetes-validations":[{"rule":"self.n % 2 == 0","message":"n must be even"}]}},
               "limits":{"type":"object","maxProperties":10,"additionalProperties":{"type":"integer","x-kubernetes-validations":[{"rule":"self < 100"}]}}}}}}
            """);
        var validator = CrdValidator.FromCrd(crd);
        var obj = JsonNode.Parse("""
            {"apiVersion":"test.example.com/v1","kind":"Widget","metadata":{"name":"xw"},
             "spec":{"items":[{"n":2},{"n":3}],"limits":{"gpu":1,"cpu":500}}}
            """)!;
        Assert.Equal(
        [
            "spec.items[1]: Invalid value: \"object\": n must be even",
            "spec.limits[cpu]: Invalid value: \"integer\": failed rule: self < 100",
            "<nil>: Invalid value: \"object\": name must start with w",
        ], validator.Validate(obj).Errors.Select(e => e.ToString()));
    }

    private const string ImmutableSchema = """
        {"type":"object",
         "x-kubernetes-validations":[{"rule":"self.model == oldSelf.model","message":"model is immutable"}],
         "properties":{
           "model":{"type":"string","maxLength":50},
           "suspend":{"type":"boolean"},
           "steps":{"type":"integer","x-kubernetes-validations":[{"rule":"self >= oldSelf","message":"steps may only grow"}]},
           "adapters":{"type":"array","maxItems":10,"x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],
             "items":{"type":"object","required":["name"],"properties":{
               "name":{"type":"string","maxLength":20},
               "rank":{"type":"integer","x-kubernetes-validations":[{"rule":"self == oldSelf","message":"rank is immutable"}]}}}}}}
        """;

    [Fact]
    public void Transition_rules_are_skipped_on_create()
    {
        var validator = TestCrd.Validator(ImmutableSchema);
        Assert.Empty(validator.Errors("""{"model":"a","steps":5,"adapters":[{"name":"x","rank":8}]}"""));
    }

    [Fact]
    public void Transition_rules_compare_with_the_old_object_on_update()
    {
        var validator = TestCrd.Validator(ImmutableSchema);
        const string old = """{"model":"a","steps":5,"suspend":false,"adapters":[{"name":"x","rank":8}]}""";
        Assert.Empty(validator.Errors("""{"model":"a","steps":6,"suspend":true,"adapters":[{"name":"x","rank":8}]}""", old));
        Assert.Equal(
        [
            "spec.steps: Invalid value: \"integer\": steps may only grow",
            "spec: Invalid value: \"object\": model is immutable",
        ], validator.Errors("""{"model":"b","steps":4,"adapters":[{"name":"x","rank":8}]}""", old));
    }

    [Fact]
    public void List_map_items_correlate_by_key_and_new_items_have_no_old_value()
    {
        var validator = TestCrd.Validator(ImmutableSchema);
        const string old = """{"model":"a","adapters":[{"name":"x","rank":8},{"name":"y","rank":4}]}""";
        Assert.Empty(validator.Errors("""{"model":"a","adapters":[{"name":"y","rank":4},{"name":"x","rank":8},{"name":"z","rank":1}]}""", old));
        Assert.Equal(["spec.adapters[1].rank: Invalid value: \"integer\": rank is immutable"],
            validator.Errors("""{"model":"a","adapters":[{"name":"y","rank":4},{"name":"x","rank":16}]}""", old));
    }

    [Fact]
    public void A_field_added_on_update_has_no_old_value_for_its_transition_rules()
    {
        var validator = TestCrd.Validator(ImmutableSchema);
        Assert.Empty(validator.Errors("""{"model":"a","steps":1}""", """{"model":"a"}"""));
    }

    [Fact]
    public void Unchanged_invalid_values_are_ratcheted_on_update()
    {
        var validator = TestCrd.Validator("""
            {"type":"object","properties":{
              "name":{"type":"string","maxLength":3},
              "n":{"type":"integer","x-kubernetes-validations":[{"rule":"self < 10"}]},
              "other":{"type":"integer"}}}
            """);
        const string old = """{"name":"toolong","n":50,"other":1}""";
        Assert.Empty(validator.Errors("""{"name":"toolong","n":50,"other":2}""", old));
        Assert.Equal(
        [
            "spec.name: Too long: may not be more than 3 bytes",
            "spec.n: Invalid value: \"integer\": failed rule: self < 10",
        ], validator.Errors("""{"name":"toolong2","n":51,"other":2}""", old));
        Assert.Equal(2, validator.Errors("""{"name":"toolong","n":50}""").Count);
    }

    [Fact]
    public void Optional_old_self_rules_run_on_create_and_update()
    {
        var validator = TestCrd.Validator("""
            {"type":"object","properties":{
              "owner":{"type":"string","maxLength":20,
                "x-kubernetes-validations":[{"rule":"!oldSelf.hasValue() || self == oldSelf.value()","optionalOldSelf":true,"message":"owner cannot change once set"}]},
              "size":{"type":"integer",
                "x-kubernetes-validations":[{"rule":"self >= oldSelf.orValue(1)","optionalOldSelf":true,"message":"size may not shrink (minimum 1)"}]}}}
            """);
        Assert.Empty(validator.Errors("""{"owner":"a","size":1}"""));
        Assert.Equal(["spec.size: Invalid value: \"integer\": size may not shrink (minimum 1)"], validator.Errors("""{"size":0}"""));
        Assert.Empty(validator.Errors("""{"owner":"a","size":3}""", """{"size":2}"""));
        Assert.Equal(
        [
            "spec.owner: Invalid value: \"string\": owner cannot change once set",
            "spec.size: Invalid value: \"integer\": size may not shrink (minimum 1)",
        ], validator.Errors("""{"owner":"b","size":1}""", """{"owner":"a","size":2}"""));
        Assert.Empty(validator.Lint());
    }
}
