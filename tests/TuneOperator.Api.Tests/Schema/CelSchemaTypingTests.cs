using Xunit;

namespace TuneOperator.Api.Tests.Schema;

public sealed class CelSchemaTypingTests
{
    [Fact]
    public void A_whole_number_at_a_number_node_is_a_double()
    {
        const string schema = """{"type":"object","properties":{"rate":{"type":"number"},"steps":{"type":"integer"}}}""";
        Assert.Equal(1.0, Cel.Eval("self.rate", """{"rate": 1}""", schema));
        Assert.Equal(true, Cel.Eval("self.rate > 0.0", """{"rate": 1}""", schema));
        Assert.Contains("no such overload: _>_(double, int)", Cel.Error("self.rate > 0", """{"rate": 1}""", schema), StringComparison.Ordinal);
        Assert.Equal(5L, Cel.Eval("self.steps", """{"steps": 5}""", schema));
        Assert.Contains("no such overload", Cel.Error("self.steps > 0.0", """{"steps": 5}""", schema), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_schema_json_integers_are_int_and_others_double()
    {
        Assert.Equal(1L, Cel.Eval("self.a", """{"a": 1}"""));
        Assert.Equal(1.5, Cel.Eval("self.b", """{"b": 1.5}"""));
    }

    [Fact]
    public void String_formats_become_timestamps_durations_and_bytes()
    {
        const string schema = """
            {"type":"object","properties":{
              "at":{"type":"string","format":"date-time"},
              "timeout":{"type":"string","format":"duration"},
              "blob":{"type":"string","format":"byte"},
              "plain":{"type":"string"}}}
            """;
        const string self = """{"at":"2024-05-01T10:00:00Z","timeout":"90s","blob":"aGk=","plain":"90s"}""";
        Assert.Equal(true, Cel.Eval("self.at < timestamp('2025-01-01T00:00:00Z')", self, schema));
        Assert.Equal(true, Cel.Eval("self.timeout == duration('1m30s')", self, schema));
        Assert.Equal(new byte[] { (byte)'h', (byte)'i' }, Cel.Eval("self.blob", self, schema));
        Assert.Equal("90s", Cel.Eval("self.plain", self, schema));
    }

    [Fact]
    public void Int_or_string_and_preserved_fields_are_dynamic()
    {
        const string schema = """
            {"type":"object","properties":{
              "port":{"x-kubernetes-int-or-string":true},
              "extra":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}
            """;
        Assert.Equal(true, Cel.Eval("type(self.port) == int", """{"port": 80}""", schema));
        Assert.Equal(true, Cel.Eval("type(self.port) == string", """{"port": "http"}""", schema));
        Assert.Equal(2.5, Cel.Eval("self.extra.a.b", """{"extra": {"a": {"b": 2.5}}}""", schema));
    }

    [Fact]
    public void Property_names_that_are_not_identifiers_are_escaped()
    {
        const string schema = """
            {"type":"object","properties":{
              "foo-bar":{"type":"integer"},"a.b":{"type":"integer"},"namespace":{"type":"string"},"x__y":{"type":"integer"}}}
            """;
        const string self = """{"foo-bar": 1, "a.b": 2, "namespace": "ns", "x__y": 3}""";
        Assert.Equal(1L, Cel.Eval("self.foo__dash__bar", self, schema));
        Assert.Equal(2L, Cel.Eval("self.a__dot__b", self, schema));
        Assert.Equal("ns", Cel.Eval("self.__namespace__", self, schema));
        Assert.Equal(3L, Cel.Eval("self.x__underscores__y", self, schema));
    }

    [Fact]
    public void Maps_keep_their_keys_and_lists_their_item_types()
    {
        const string schema = """
            {"type":"object","properties":{
              "labels":{"type":"object","additionalProperties":{"type":"string"}},
              "weights":{"type":"array","items":{"type":"number"}}}}
            """;
        const string self = """{"labels": {"app.kubernetes.io/name": "x"}, "weights": [1, 2]}""";
        Assert.Equal("x", Cel.Eval("self.labels['app.kubernetes.io/name']", self, schema));
        Assert.Equal(3.0, Cel.Eval("self.weights.sum()", self, schema));
        Assert.Equal(true, Cel.Eval("'app.kubernetes.io/name' in self.labels", self, schema));
    }

    [Fact]
    public void Old_self_is_typed_like_self()
    {
        const string schema = """{"type":"object","properties":{"n":{"type":"integer"}}}""";
        Assert.Equal(true, Cel.Eval("self.n >= oldSelf.n", """{"n": 3}""", schema, """{"n": 2}"""));
    }
}
