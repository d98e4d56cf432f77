using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Xunit;

namespace TuneOperator.Controller.Tests.ApiFake;

public sealed class PatchTests : FakeTestBase
{
    [Fact]
    public async Task Merge_patch_merges_objects_and_null_deletes()
    {
        var widget = Widget("w", 1, new() { ["a"] = "1", ["b"] = "2" });
        widget["spec"]!["color"] = "red";
        await CreateWidgetAsync(widget);

        var patched = AsJson(await Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"metadata":{"labels":{"b":null,"c":"3"}},"spec":{"color":null,"size":4}}""", V1Patch.PatchType.MergePatch),
            Group, Version, "default", Widgets, "w", cancellationToken: Ct));

        Assert.Equal("""{"a":"1","c":"3"}""", patched["metadata"]!["labels"]!.ToJsonString());
        Assert.Null(patched["spec"]!["color"]);
        Assert.Equal(4, patched["spec"]!["size"]!.GetValue<int>());
        Assert.Equal(2, Generation(patched));
    }

    [Fact]
    public async Task Json_patch_applies_operations_and_a_failed_test_is_422()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("p", new() { ["app"] = "web" }), "default", cancellationToken: Ct);

        var patched = await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""
            [{"op":"test","path":"/metadata/labels/app","value":"web"},
             {"op":"add","path":"/metadata/labels/tier","value":"front"},
             {"op":"replace","path":"/spec/containers/0/image","value":"busybox:2"},
             {"op":"add","path":"/metadata/finalizers","value":["example.com/keep"]}]
            """, V1Patch.PatchType.JsonPatch), "p", "default", cancellationToken: Ct);
        var (code, _) = await FailureAsync(() => Client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch("""[{"op":"test","path":"/metadata/labels/app","value":"db"},{"op":"remove","path":"/metadata/labels/app"}]""", V1Patch.PatchType.JsonPatch),
            "p", "default", cancellationToken: Ct));

        Assert.Equal("front", patched.Metadata.Labels["tier"]);
        Assert.Equal("busybox:2", patched.Spec.Containers[0].Image);
        Assert.Equal(["example.com/keep"], patched.Metadata.Finalizers);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Equal("web", Fake.Get<V1Pod>("default", "p")!.Metadata.Labels["app"]);
    }

    [Fact]
    public async Task Strategic_merge_patch_merges_containers_by_name_and_conditions_by_type()
    {
        var pod = Pod("p");
        pod.Spec.Containers.Add(new V1Container { Name = "sidecar", Image = "envoy:1" });
        await Client.CoreV1.CreateNamespacedPodAsync(pod, "default", cancellationToken: Ct);
        Fake.Modify<V1Pod>("default", "p", p => p.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = "False" }]);

        var patched = await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch(
            """{"spec":{"containers":[{"name":"sidecar","image":"envoy:2"}]}}""", V1Patch.PatchType.StrategicMergePatch), "p", "default", cancellationToken: Ct);
        var status = await Client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch(
            """{"status":{"conditions":[{"type":"PodScheduled","status":"True"},{"type":"Ready","status":"True"}]}}""", V1Patch.PatchType.StrategicMergePatch),
            "p", "default", cancellationToken: Ct);

        Assert.Equal(["main=busybox:1", "sidecar=envoy:2"], patched.Spec.Containers.Select(c => c.Name + "=" + c.Image));
        Assert.Equal(["Ready=True", "PodScheduled=True"], status.Status.Conditions.Select(c => c.Type + "=" + c.Status));
    }

    [Fact]
    public async Task Strategic_merge_patch_on_a_custom_resource_is_415()
    {
        await CreateWidgetAsync(Widget("w"));

        var (code, _) = await FailureAsync(() => Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"spec":{"size":2}}""", V1Patch.PatchType.StrategicMergePatch), Group, Version, "default", Widgets, "w", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, code);
    }

    [Fact]
    public async Task Server_side_apply_creates_then_merges_and_needs_a_field_manager()
    {
        var applied = Widget("w", 3);
        var created = AsJson(await Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(applied.ToJsonString(), V1Patch.PatchType.ApplyPatch),
            Group, Version, "default", Widgets, "w", fieldManager: "test", force: true, cancellationToken: Ct));
        applied["spec"]!["size"] = 4;
        applied["metadata"]!["labels"] = new JsonObject { ["owner"] = "test" };
        var merged = AsJson(await Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(applied.ToJsonString(), V1Patch.PatchType.ApplyPatch),
            Group, Version, "default", Widgets, "w", fieldManager: "test", force: true, cancellationToken: Ct));
        var (code, _) = await FailureAsync(() => Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(applied.ToJsonString(), V1Patch.PatchType.ApplyPatch),
            Group, Version, "default", Widgets, "w", cancellationToken: Ct));

        Assert.Equal(3, created["spec"]!["size"]!.GetValue<int>());
        Assert.Equal(1, Generation(created));
        Assert.Equal(4, merged["spec"]!["size"]!.GetValue<int>());
        Assert.Equal("test", merged["metadata"]!["labels"]!["owner"]!.GetValue<string>());
        Assert.Equal(2, Generation(merged));
        Assert.Equal(HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task Apply_accepts_yaml_bodies()
    {
        using var http = new HttpClient();
        using var body = new StringContent("""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
            data:
              replicas: "3"
              mode: fast
            """, System.Text.Encoding.UTF8, "application/apply-patch+yaml");

        using var response = await http.PatchAsync(new Uri(Fake.Url + "/api/v1/namespaces/default/configmaps/settings?fieldManager=test"), body, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var stored = Fake.Get<V1ConfigMap>("default", "settings")!;
        Assert.Equal("3", stored.Data["replicas"]);
        Assert.Equal("fast", stored.Data["mode"]);
    }

    [Fact]
    public async Task A_patch_carrying_a_stale_resource_version_is_409()
    {
        var created = await CreateWidgetAsync(Widget("w"));
        await Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch("""{"spec":{"size":2}}""", V1Patch.PatchType.MergePatch),
            Group, Version, "default", Widgets, "w", cancellationToken: Ct);

        var (code, _) = await FailureAsync(() => Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("{\"metadata\":{\"resourceVersion\":\"" + Rv(created) + "\"},\"spec\":{\"size\":3}}", V1Patch.PatchType.MergePatch),
            Group, Version, "default", Widgets, "w", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal(2, (await GetWidgetAsync("w"))["spec"]!["size"]!.GetValue<int>());
    }

    [Fact]
    public async Task Patching_a_missing_object_is_404()
    {
        var (code, _) = await FailureAsync(() => Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("{}", V1Patch.PatchType.MergePatch), "nope", "default", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.NotFound, code);
    }
}
