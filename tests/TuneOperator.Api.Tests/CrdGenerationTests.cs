using System.Text.Json.Nodes;
using TuneOperator.Api.Crds;
using TuneOperator.Api.Validation;
using Xunit;

namespace TuneOperator.Api.Tests;

public sealed class CrdGenerationTests
{
    private static readonly IReadOnlyList<GeneratedCrd> Generated = CrdGenerator.WithDocumentation().GenerateAll();

    [Fact]
    public void Committed_crds_match_the_generated_ones()
    {
        var expected = Generated.ToDictionary(c => c.FileName, c => c.ToYaml());
        var onDisk = Directory.GetFiles(RepoPaths.Crds, "*.yaml").ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
        const string fix = "The CRDs in crds/ are out of date with the C# API types; regenerate them with: dotnet run --project src/TuneOperator.Cli -- crds generate --output crds/";
        Assert.True(expected.Keys.Order().SequenceEqual(onDisk.Keys.Order()), $"{fix} (files differ: generated {string.Join(", ", expected.Keys)})");
        foreach (var (file, yaml) in expected)
        {
            Assert.True(yaml == onDisk[file], $"{fix} ({file} differs)");
        }
    }

    [Fact]
    public void Generation_is_deterministic()
    {
        var again = new CrdGenerator(XmlDocumentation.For(typeof(ApiGroup).Assembly)).GenerateAll();
        Assert.Equal(Generated.Select(c => c.ToYaml()), again.Select(c => c.ToYaml()));
    }

    [Fact]
    public void Yaml_reads_back_as_the_same_tree()
    {
        foreach (var crd in Generated)
        {
            var parsed = ManifestReader.ToJson(crd.ToYaml()).Single();
            Assert.True(JsonNode.DeepEquals(NormalizeNumbers(crd.Definition), NormalizeNumbers(parsed)), crd.FileName);
        }
    }

    [Theory]
    [InlineData("FineTuneJob", "finetunejobs", "ftj")]
    [InlineData("FineTuneSweep", "finetunesweeps", "fts")]
    [InlineData("ModelDeployment", "modeldeployments", "mdep")]
    public void Names_short_names_category_and_status_subresource(string kind, string plural, string shortName)
    {
        var crd = Generated.Single(c => c.Definition["spec"]!["names"]!["kind"]!.GetValue<string>() == kind).Definition;
        Assert.Equal($"{plural}.tuneoperator.io", crd["metadata"]!["name"]!.GetValue<string>());
        var names = crd["spec"]!["names"]!;
        Assert.Equal(plural, names["plural"]!.GetValue<string>());
        Assert.Equal([shortName], names["shortNames"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(["tune"], names["categories"]!.AsArray().Select(n => n!.GetValue<string>()));
        var version = crd["spec"]!["versions"]![0]!;
        Assert.Equal("v1alpha1", version["name"]!.GetValue<string>());
        Assert.NotNull(version["subresources"]!["status"]);
        Assert.Equal("Namespaced", crd["spec"]!["scope"]!.GetValue<string>());
    }

    [Fact]
    public void Kubernetes_entity_attributes_match_the_crds()
    {
        foreach (var type in CrdGenerator.ResourceTypes)
        {
            var entity = (k8s.Models.KubernetesEntityAttribute)Attribute.GetCustomAttribute(type, typeof(k8s.Models.KubernetesEntityAttribute))!;
            var names = Generated.Single(c => c.Definition["spec"]!["names"]!["kind"]!.GetValue<string>() == entity.Kind).Definition["spec"]!;
            Assert.Equal(names["group"]!.GetValue<string>(), entity.Group);
            Assert.Equal("v1alpha1", entity.ApiVersion);
            Assert.Equal(names["names"]!["plural"]!.GetValue<string>(), entity.PluralName);
        }
    }

    [Fact]
    public void Job_printer_columns_are_phase_progress_loss_and_age()
    {
        var version = Job()["spec"]!["versions"]![0]!;
        var shown = version["additionalPrinterColumns"]!.AsArray()
            .Where(c => c!["priority"] is null)
            .Select(c => c!["name"]!.GetValue<string>());
        Assert.Equal(["Phase", "Progress", "Loss", "Age"], shown);
    }

    [Fact]
    public void Every_schema_node_is_structural_and_bounded()
    {
        foreach (var crd in Generated)
        {
            var schema = (JsonObject)crd.Definition["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!;
            Walk(schema, crd.FileName, node =>
            {
                var path = node.GetPath();
                var preserve = node["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
                Assert.True(node["type"] is not null || preserve, $"{crd.FileName} {path}: node without type");
                Assert.False(node["properties"] is not null && node["additionalProperties"] is not null, $"{path}: properties and additionalProperties together");
                var type = node["type"]?.GetValue<string>();
                if (type == "string" && node["enum"] is null && node["format"] is null)
                {
                    Assert.True(node["maxLength"] is not null, $"{crd.FileName} {path}: string without maxLength");
                }

                if (type == "array")
                {
                    Assert.True(node["maxItems"] is not null, $"{crd.FileName} {path}: array without maxItems");
                }

                if (type == "object" && node["additionalProperties"] is not null)
                {
                    Assert.True(node["maxProperties"] is not null, $"{crd.FileName} {path}: map without maxProperties");
                }

                Assert.True(node["description"] is not null || IsInsideListOrMap(node) || path.EndsWith("metadata", StringComparison.Ordinal),
                    $"{crd.FileName} {path}: no description");
            });
        }
    }

    [Fact]
    public void Defaults_are_valid_against_their_own_schema()
    {
        foreach (var crd in Generated)
        {
            var schema = (JsonObject)crd.Definition["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!;
            Walk(schema, crd.FileName, node =>
            {
                if (node["default"] is { } value)
                {
                    var errors = new List<ValidationError>();
                    SchemaChecker.Check(value.DeepClone(), node, node.GetPath(), errors);
                    Assert.Empty(errors);
                }
            });
        }
    }

    [Fact]
    public void Conditions_are_a_list_map_keyed_by_type()
    {
        foreach (var crd in Generated)
        {
            var conditions = crd.Definition["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["status"]!["properties"]!["conditions"]!;
            Assert.Equal("map", conditions["x-kubernetes-list-type"]!.GetValue<string>());
            Assert.Equal(["type"], conditions["x-kubernetes-list-map-keys"]!.AsArray().Select(k => k!.GetValue<string>()));
            Assert.Contains("type", conditions["items"]!["required"]!.AsArray().Select(k => k!.GetValue<string>()));
        }
    }

    [Fact]
    public void Job_schema_carries_the_required_cel_rules()
    {
        var spec = Job()["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!;
        var specRules = Rules(spec);
        Assert.Contains(specRules, r => r.Contains("oldSelf.model", StringComparison.Ordinal));
        Assert.DoesNotContain(specRules, r => r.Contains("runPolicy == oldSelf", StringComparison.Ordinal));
        Assert.Contains(Rules(spec["properties"]!["model"]!), r => r.Contains("has(self.init)", StringComparison.Ordinal));
        Assert.Contains(Rules(spec["properties"]!["method"]!), r => r.Contains("has(self.lora)", StringComparison.Ordinal));
        Assert.Contains(Rules(spec["properties"]!["hyperparameters"]!["properties"]!["learningRate"]!), r => r == "self > 0.0");
        Assert.Contains("output", spec["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Contains("location", spec["properties"]!["output"]!["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        var split = spec["properties"]!["dataset"]!["properties"]!["validationSplit"]!;
        Assert.Equal(0, split["minimum"]!.GetValue<long>());
        Assert.True(split["exclusiveMinimum"]!.GetValue<bool>());
        Assert.Equal(0.5, split["maximum"]!.GetValue<double>());
    }

    [Fact]
    public void Descriptions_come_from_the_xml_documentation()
    {
        var rate = Job()["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["properties"]!["hyperparameters"]!["properties"]!["learningRate"]!;
        Assert.StartsWith("Peak learning rate of AdamW", rate["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0.0002, rate["default"]!.GetValue<double>());
    }

    [Fact]
    public void Every_cel_rule_of_the_types_is_in_the_crds()
    {
        var emitted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var crd in Generated)
        {
            Walk((JsonObject)crd.Definition["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!, crd.FileName,
                node => emitted.UnionWith(Rules(node)));
        }

        var declared = typeof(ApiGroup).Assembly.GetTypes()
            .SelectMany(t => t.GetCustomAttributes(typeof(CelRuleAttribute), false)
                .Concat(t.GetProperties().SelectMany(p => p.GetCustomAttributes(typeof(CelRuleAttribute), false))))
            .Cast<CelRuleAttribute>()
            .Select(r => r.Rule)
            .ToList();
        Assert.NotEmpty(declared);
        Assert.All(declared, rule => Assert.Contains(rule, emitted));
    }

    private static JsonObject Job() => Generated.Single(c => c.FileName == "tuneoperator.io_finetunejobs.yaml").Definition;

    private static List<string> Rules(JsonNode node) =>
        node["x-kubernetes-validations"]?.AsArray().Select(r => r!["rule"]!.GetValue<string>()).ToList() ?? [];

    private static bool IsInsideListOrMap(JsonObject node) =>
        node.Parent is JsonObject parent && (parent["items"] == node || parent["additionalProperties"] == node);

    private static void Walk(JsonObject node, string file, Action<JsonObject> visit)
    {
        visit(node);
        if (node["properties"] is JsonObject properties)
        {
            foreach (var (_, child) in properties)
            {
                Walk((JsonObject)child!, file, visit);
            }
        }

        if (node["items"] is JsonObject items)
        {
            Walk(items, file, visit);
        }

        if (node["additionalProperties"] is JsonObject values)
        {
            Walk(values, file, visit);
        }
    }

    private static JsonNode? NormalizeNumbers(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, NormalizeNumbers(p.Value)))),
        JsonArray a => new JsonArray(a.Select(NormalizeNumbers).ToArray()),
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number => JsonValue.Create(double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture)),
        _ => node?.DeepClone(),
    };
}
