using System.Text.Json.Nodes;
using TuneOperator.Testing.Kube;
using Xunit;

namespace TuneOperator.Controller.Tests.ApiFake;

public sealed class JsonPatchingTests
{
    [Fact]
    public void Merge_patch_follows_rfc_7386()
    {
        var target = Json("""{"a":"b","c":{"d":"e","f":"g"},"list":[1,2]}""");
        var patch = Json("""{"a":"z","c":{"f":null},"list":[3]}""");

        Assert.Equal("""{"a":"z","c":{"d":"e"},"list":[3]}""", JsonPatching.MergePatch(target, patch)!.ToJsonString());
        Assert.Equal("""{"a":"b","c":{"d":"e","f":"g"},"list":[1,2]}""", target.ToJsonString());
    }

    [Fact]
    public void Json_patch_supports_every_operation()
    {
        var target = Json("""{"a":{"b":1},"list":["x","y"],"k/ey":0}""");
        var ops = JsonNode.Parse("""
            [{"op":"add","path":"/list/1","value":"inserted"},
             {"op":"add","path":"/list/-","value":"last"},
             {"op":"remove","path":"/list/0"},
             {"op":"replace","path":"/a/b","value":2},
             {"op":"copy","from":"/a","path":"/copied"},
             {"op":"move","from":"/k~1ey","path":"/moved"},
             {"op":"test","path":"/moved","value":0}]
            """);

        var result = JsonPatching.JsonPatch(target, ops)!;

        Assert.Equal("""{"a":{"b":2},"list":["inserted","y","last"],"copied":{"b":2},"moved":0}""", result.ToJsonString());
    }

    [Fact]
    public void Json_patch_on_a_missing_path_or_failed_test_is_422()
    {
        var target = Json("""{"a":1}""");

        Assert.Equal(422, Assert.Throws<KubeApiException>(() => JsonPatching.JsonPatch(target, JsonNode.Parse("""[{"op":"remove","path":"/b"}]"""))).Code);
        Assert.Equal(422, Assert.Throws<KubeApiException>(() => JsonPatching.JsonPatch(target, JsonNode.Parse("""[{"op":"test","path":"/a","value":2}]"""))).Code);
        Assert.Equal(400, Assert.Throws<KubeApiException>(() => JsonPatching.JsonPatch(target, JsonNode.Parse("""{"op":"add"}"""))).Code);
    }

    [Fact]
    public void Strategic_merge_patch_merges_keyed_lists_unions_finalizers_and_honours_directives()
    {
        var target = Json("""
            {"metadata":{"finalizers":["a"]},
             "spec":{"containers":[{"name":"main","image":"v1","env":[{"name":"A","value":"1"}]},{"name":"side","image":"s1"}],
                     "args":["x"]}}
            """);
        var patch = Json("""
            {"metadata":{"finalizers":["b"]},
             "spec":{"containers":[{"name":"main","env":[{"name":"B","value":"2"}]},{"name":"side","$patch":"delete"},{"name":"new","image":"n1"}],
                     "args":["y"]}}
            """);

        var result = JsonPatching.StrategicMergePatch(target, patch)!;

        Assert.Equal("""["a","b"]""", result["metadata"]!["finalizers"]!.ToJsonString());
        Assert.Equal("""[{"name":"main","image":"v1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},{"name":"new","image":"n1"}]""",
            result["spec"]!["containers"]!.ToJsonString());
        Assert.Equal("""["y"]""", result["spec"]!["args"]!.ToJsonString());
    }

    [Fact]
    public void Strategic_merge_patch_replace_and_delete_from_primitive_list()
    {
        var target = Json("""{"metadata":{"finalizers":["a","b"]},"spec":{"selector":{"x":"1","y":"2"}}}""");
        var patch = Json("""{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]},"spec":{"selector":{"$patch":"replace","z":"3"}}}""");

        var result = JsonPatching.StrategicMergePatch(target, patch)!;

        Assert.Equal("""["b"]""", result["metadata"]!["finalizers"]!.ToJsonString());
        Assert.Equal("""{"z":"3"}""", result["spec"]!["selector"]!.ToJsonString());
    }

    [Fact]
    public void Yaml_converts_with_yaml_types()
    {
        var docs = YamlJson.ParseDocuments("""
            a: 1
            b: "1"
            c: true
            d: 1.5
            e: ~
            f: [x, 2]
            ---
            ---
            g: text
            """);

        Assert.Equal(2, docs.Count);
        Assert.Equal("""{"a":1,"b":"1","c":true,"d":1.5,"e":null,"f":["x",2]}""", docs[0].ToJsonString());
        Assert.Equal("""{"g":"text"}""", docs[1].ToJsonString());
    }

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();
}
