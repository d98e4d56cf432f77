using System.Reflection;
using System.Text.Json.Nodes;

namespace TuneOperator.Api.Crds;

/// <summary>A generated CustomResourceDefinition and the file name it is written to.</summary>
/// <param name="FileName">File name under crds/, e.g. <c>tuneoperator.io_finetunejobs.yaml</c>.</param>
/// <param name="Definition">The apiextensions.k8s.io/v1 CustomResourceDefinition object.</param>
public sealed record GeneratedCrd(string FileName, JsonObject Definition)
{
    /// <summary>The definition as YAML.</summary>
    public string ToYaml() => CrdYaml.Write(Definition);
}

/// <summary>Turns the API types into apiextensions.k8s.io/v1 CustomResourceDefinitions. Pure: the same types and
/// documentation always give the same objects.</summary>
public sealed class CrdGenerator(XmlDocumentation? documentation)
{
    /// <summary>The category every TuneOperator resource belongs to (<c>kubectl get tune</c>).</summary>
    public const string Category = "tune";

    /// <summary>The resource kinds, in file order.</summary>
    public static IReadOnlyList<Type> ResourceTypes { get; } = [typeof(FineTuneJob), typeof(FineTuneSweep), typeof(ModelDeployment)];

    /// <summary>A generator that reads descriptions from the Api assembly's XML documentation file.</summary>
    public static CrdGenerator WithDocumentation() => new(XmlDocumentation.For(typeof(ApiGroup).Assembly));

    /// <summary>Generates every CRD.</summary>
    public IReadOnlyList<GeneratedCrd> GenerateAll() => ResourceTypes.Select(Generate).ToList();

    /// <summary>Generates the CRD of one resource kind.</summary>
    public GeneratedCrd Generate(Type resourceType)
    {
        ArgumentNullException.ThrowIfNull(resourceType);
        var names = resourceType.GetCustomAttribute<ResourceNamesAttribute>()
            ?? throw new ArgumentException($"{resourceType.Name} has no [ResourceNames] attribute.", nameof(resourceType));
        var schema = new SchemaBuilder(documentation).BuildResource(resourceType);
        var hasStatus = schema["properties"]?["status"] is not null;

        var version = new JsonObject
        {
            ["name"] = ApiGroup.Version,
            ["served"] = true,
            ["storage"] = true,
        };
        if (hasStatus)
        {
            version["subresources"] = new JsonObject { ["status"] = new JsonObject() };
        }

        var columns = new JsonArray();
        foreach (var column in resourceType.GetCustomAttributes<PrinterColumnAttribute>())
        {
            var node = new JsonObject { ["name"] = column.Name, ["type"] = column.Type, ["jsonPath"] = column.JsonPath };
            if (column.Description is not null)
            {
                node["description"] = column.Description;
            }

            if (column.Priority != 0)
            {
                node["priority"] = column.Priority;
            }

            columns.Add(node);
        }

        if (columns.Count > 0)
        {
            version["additionalPrinterColumns"] = columns;
        }

        version["schema"] = new JsonObject { ["openAPIV3Schema"] = schema };

        var definition = new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject { ["name"] = names.Plural + "." + ApiGroup.Group },
            ["spec"] = new JsonObject
            {
                ["group"] = ApiGroup.Group,
                ["names"] = new JsonObject
                {
                    ["kind"] = names.Kind,
                    ["listKind"] = names.Kind + "List",
                    ["plural"] = names.Plural,
                    ["singular"] = names.Singular,
                    ["shortNames"] = new JsonArray(names.ShortNames.Select(s => (JsonNode)JsonValue.Create(s)).ToArray()),
                    ["categories"] = new JsonArray(Category),
                },
                ["scope"] = "Namespaced",
                ["versions"] = new JsonArray(version),
            },
        };
        return new GeneratedCrd(ApiGroup.Group + "_" + names.Plural + ".yaml", definition);
    }
}
