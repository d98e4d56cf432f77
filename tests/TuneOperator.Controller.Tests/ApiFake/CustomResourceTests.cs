using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using TuneOperator.Testing.Kube;
using Xunit;

namespace TuneOperator.Controller.Tests.ApiFake;

public sealed class CustomResourceTests : FakeTestBase
{
    [Fact]
    public async Task A_crd_posted_through_the_client_serves_its_resource()
    {
        var crd = KubernetesJson.Deserialize<V1CustomResourceDefinition>(YamlJson.ParseDocuments("""
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: sprockets.parts.example.org}
            spec:
              group: parts.example.org
              scope: Namespaced
              names: {plural: sprockets, singular: sprocket, kind: Sprocket}
              versions:
                - name: v1beta1
                  served: true
                  storage: true
                  schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
            """)[0].ToJsonString());

        var created = await Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd, cancellationToken: Ct);
        var sprocket = new JsonObject
        {
            ["apiVersion"] = "parts.example.org/v1beta1",
            ["kind"] = "Sprocket",
            ["metadata"] = new JsonObject { ["name"] = "s1" },
            ["spec"] = new JsonObject { ["teeth"] = 12 },
        };
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(sprocket, "parts.example.org", "v1beta1", "default", "sprockets", cancellationToken: Ct);
        var read = AsJson(await Client.CustomObjects.GetNamespacedCustomObjectAsync("parts.example.org", "v1beta1", "default", "sprockets", "s1", cancellationToken: Ct));

        Assert.Contains(created.Status.Conditions, c => c.Type == "Established" && c.Status == "True");
        Assert.Equal(12, read["spec"]!["teeth"]!.GetValue<int>());
        Assert.Equal(1, Generation(read));
    }

    [Fact]
    public async Task A_crd_with_a_wrong_name_is_422_Invalid()
    {
        var crd = YamlJson.ParseDocuments(TestCrdsYaml)[0].AsObject();
        crd["metadata"]!["name"] = "wrong.example.com";

        var (code, status) = await FailureAsync(() => Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(
            KubernetesJson.Deserialize<V1CustomResourceDefinition>(crd.ToJsonString()), cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Equal("metadata.name", status["details"]!["causes"]![0]!["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task Generation_starts_at_1_and_is_bumped_only_by_spec_changes()
    {
        var created = await CreateWidgetAsync(Widget("w"));
        Assert.Equal(1, Generation(created));

        created["metadata"]!["labels"] = new JsonObject { ["x"] = "y" };
        var relabelled = AsJson(await Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(created, Group, Version, "default", Widgets, "w", cancellationToken: Ct));
        Assert.Equal(1, Generation(relabelled));
        Assert.NotEqual(Rv(created), Rv(relabelled));

        relabelled["spec"]!["size"] = 2;
        var resized = AsJson(await Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(relabelled, Group, Version, "default", Widgets, "w", cancellationToken: Ct));
        Assert.Equal(2, Generation(resized));

        resized["status"] = new JsonObject { ["ready"] = true };
        var withStatus = AsJson(await Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(resized, Group, Version, "default", Widgets, "w", cancellationToken: Ct));
        Assert.Equal(2, Generation(withStatus));
        Assert.True(withStatus["status"]!["ready"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Status_subresource_splits_main_and_status_updates()
    {
        var widget = Widget("w");
        widget["status"] = new JsonObject { ["ready"] = true };
        var created = await CreateWidgetAsync(widget);
        Assert.Null(created["status"]);

        created["status"] = new JsonObject { ["ready"] = true };
        created["spec"]!["size"] = 5;
        var afterMain = AsJson(await Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(created, Group, Version, "default", Widgets, "w", cancellationToken: Ct));
        Assert.Null(afterMain["status"]);
        Assert.Equal(5, afterMain["spec"]!["size"]!.GetValue<int>());

        afterMain["status"] = new JsonObject { ["ready"] = true };
        afterMain["spec"]!["size"] = 99;
        afterMain["metadata"]!["labels"] = new JsonObject { ["ignored"] = "yes" };
        var afterStatus = AsJson(await Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(afterMain, Group, Version, "default", Widgets, "w", cancellationToken: Ct));
        Assert.True(afterStatus["status"]!["ready"]!.GetValue<bool>());
        Assert.Equal(5, afterStatus["spec"]!["size"]!.GetValue<int>());
        Assert.Null(afterStatus["metadata"]!["labels"]);

        var patched = AsJson(await Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"phase":"Running"},"spec":{"size":1}}""", V1Patch.PatchType.MergePatch), Group, Version, "default", Widgets, "w", cancellationToken: Ct));
        Assert.Equal("Running", patched["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(5, patched["spec"]!["size"]!.GetValue<int>());
    }

    [Fact]
    public async Task Status_update_with_a_stale_resource_version_is_409()
    {
        var created = await CreateWidgetAsync(Widget("w"));
        created["spec"]!["size"] = 3;
        await Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(created, Group, Version, "default", Widgets, "w", cancellationToken: Ct);
        created["status"] = new JsonObject { ["ready"] = true };

        var (code, _) = await FailureAsync(() => Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(created, Group, Version, "default", Widgets, "w", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.Conflict, code);
    }

    [Fact]
    public async Task Without_a_status_subresource_status_is_part_of_the_object_and_bumps_generation()
    {
        var gadget = new JsonObject
        {
            ["apiVersion"] = "example.com/v1",
            ["kind"] = "Gadget",
            ["metadata"] = new JsonObject { ["name"] = "g" },
            ["spec"] = new JsonObject { ["on"] = true },
            ["status"] = new JsonObject { ["seen"] = 1 },
        };
        var created = AsJson(await Client.CustomObjects.CreateClusterCustomObjectAsync(gadget, Group, Version, Gadgets, cancellationToken: Ct));
        Assert.Equal(1, created["status"]!["seen"]!.GetValue<int>());
        Assert.Null(created["metadata"]!["namespace"]);

        created["status"]!["seen"] = 2;
        var updated = AsJson(await Client.CustomObjects.ReplaceClusterCustomObjectAsync(created, Group, Version, Gadgets, "g", cancellationToken: Ct));
        Assert.Equal(2, updated["status"]!["seen"]!.GetValue<int>());
        Assert.Equal(2, Generation(updated));

        var (code, _) = await FailureAsync(() => Client.CustomObjects.GetClusterCustomObjectStatusAsync(Group, Version, Gadgets, "g", cancellationToken: Ct));
        Assert.Equal(HttpStatusCode.NotFound, code);
    }

    [Fact]
    public async Task Validator_rejections_are_422_Invalid_with_field_causes()
    {
        Fake.CustomResourceValidator = (crd, obj, old) =>
        {
            Assert.Equal("widgets.example.com", crd["metadata"]!["name"]!.GetValue<string>());
            var errors = new List<KubeFieldError>();
            if (obj["spec"]?["size"]?.GetValue<int>() is < 1 or > 10)
            {
                errors.Add(new KubeFieldError("spec.size", "Invalid value: must be between 1 and 10"));
            }

            if (old is not null && old["spec"]?["color"] is { } color && !JsonNode.DeepEquals(color, obj["spec"]?["color"]))
            {
                errors.Add(new KubeFieldError("spec.color", "Invalid value: color is immutable"));
            }

            return errors;
        };
        var ok = Widget("w", 2);
        ok["spec"]!["color"] = "red";
        var created = await CreateWidgetAsync(ok);

        var (code, status) = await FailureAsync(() => CreateWidgetAsync(Widget("bad", 50)));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Equal("Invalid", status["reason"]!.GetValue<string>());
        Assert.Equal("spec.size", status["details"]!["causes"]![0]!["field"]!.GetValue<string>());
        Assert.Contains("between 1 and 10", status["message"]!.GetValue<string>(), StringComparison.Ordinal);

        created["spec"]!["color"] = "blue";
        var (updateCode, updateStatus) = await FailureAsync(() => Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(created, Group, Version, "default", Widgets, "w", cancellationToken: Ct));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, updateCode);
        Assert.Equal("spec.color", updateStatus["details"]!["causes"]![0]!["field"]!.GetValue<string>());
        Assert.Equal("red", (await GetWidgetAsync("w"))["spec"]!["color"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deleting_the_crd_removes_its_objects_and_stops_serving_it()
    {
        await CreateWidgetAsync(Widget("w"));

        await Client.ApiextensionsV1.DeleteCustomResourceDefinitionAsync("widgets.example.com", cancellationToken: Ct);

        Assert.Null(Fake.Resources.Find(Group, Version, Widgets));
        var (code, _) = await FailureAsync(() => GetWidgetAsync("w"));
        Assert.Equal(HttpStatusCode.NotFound, code);
    }

    [Fact]
    public async Task Crds_load_from_a_folder_of_yaml_files()
    {
        var folder = Directory.CreateTempSubdirectory("crds-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "things.yaml"), TestCrdsYaml
                .Replace("widgets", "things", StringComparison.Ordinal).Replace("Widget", "Thing", StringComparison.Ordinal)
                .Replace("widget", "thing", StringComparison.Ordinal).Replace("gadgets", "doohickeys", StringComparison.Ordinal)
                .Replace("Gadget", "Doohickey", StringComparison.Ordinal).Replace("gadget", "doohickey", StringComparison.Ordinal), Ct);

            var loaded = await Fake.LoadCustomResourceDefinitionsAsync(folder.FullName, Ct);

            Assert.Equal(2, loaded.Count);
            Assert.True(Fake.Resource(Group, Version, "things").HasStatusSubresource);
            Assert.False(Fake.Resource(Group, Version, "doohickeys").Namespaced);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
