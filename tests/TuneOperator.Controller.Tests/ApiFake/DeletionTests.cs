using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using TuneOperator.Testing.Kube;
using Xunit;

namespace TuneOperator.Controller.Tests.ApiFake;

public sealed class DeletionTests : FakeTestBase
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    protected override KubeApiFakeOptions Options => new() { PodTerminationDelay = Timeout.InfiniteTimeSpan };

    [Fact]
    public async Task Finalizers_hold_an_object_with_a_deletion_timestamp_until_they_are_removed()
    {
        var widget = Widget("w");
        widget["metadata"]!["finalizers"] = new JsonArray("example.com/cleanup");
        await CreateWidgetAsync(widget);

        var deleted = AsJson(await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, Version, "default", Widgets, "w", cancellationToken: Ct));
        var terminating = await GetWidgetAsync("w");
        Assert.NotNull(deleted["metadata"]!["deletionTimestamp"]);
        Assert.NotNull(terminating["metadata"]!["deletionTimestamp"]);
        Assert.Equal(0, terminating["metadata"]!["deletionGracePeriodSeconds"]!.GetValue<int>());

        terminating["metadata"]!["finalizers"] = new JsonArray("example.com/cleanup", "example.com/another");
        var (code, status) = await FailureAsync(() => Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(terminating, Group, Version, "default", Widgets, "w", cancellationToken: Ct));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Equal("metadata.finalizers", status["details"]!["causes"]![0]!["field"]!.GetValue<string>());

        await Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch),
            Group, Version, "default", Widgets, "w", cancellationToken: Ct);
        Assert.Null(Fake.Get(WidgetType, "default", "w"));
    }

    [Fact]
    public async Task Background_garbage_collection_deletes_dependents_and_drops_dangling_owner_references()
    {
        var owner = await CreateWidgetAsync(Widget("owner"));
        var other = await CreateWidgetAsync(Widget("other"));
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = Owned("only-child", owner) }, "default", cancellationToken: Ct);
        var shared = Owned("shared", owner);
        shared.OwnerReferences.Add(Owned("x", other).OwnerReferences[0]);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = shared }, "default", cancellationToken: Ct);

        await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, Version, "default", Widgets, "owner", cancellationToken: Ct);

        await Fake.WaitForDeletionAsync(Fake.TypeOf<V1Secret>(), "default", "only-child", Wait, Ct);
        var survivor = await Fake.WaitForAsync<V1ConfigMap>("default", "shared", c => c.Metadata.OwnerReferences.Count == 1, Wait, Ct);
        Assert.Equal("other", survivor.Metadata.OwnerReferences[0].Name);
    }

    [Fact]
    public async Task Foreground_deletion_waits_for_dependents()
    {
        var owner = await CreateWidgetAsync(Widget("owner"));
        var child = Owned("child", owner);
        child.Finalizers = ["example.com/hold"];
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = child }, "default", cancellationToken: Ct);

        await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, Version, "default", Widgets, "owner",
            body: new V1DeleteOptions { PropagationPolicy = "Foreground" }, cancellationToken: Ct);

        var waiting = Fake.Get(WidgetType, "default", "owner")!;
        Assert.Contains("foregroundDeletion", waiting["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.NotNull(Fake.Get<V1ConfigMap>("default", "child")!.Metadata.DeletionTimestamp);

        Fake.Modify<V1ConfigMap>("default", "child", c => c.Metadata.Finalizers = null);

        Assert.Null(Fake.Get<V1ConfigMap>("default", "child"));
        Assert.Null(Fake.Get(WidgetType, "default", "owner"));
    }

    [Fact]
    public async Task Orphan_deletion_keeps_dependents_without_the_owner_reference()
    {
        var owner = await CreateWidgetAsync(Widget("owner"));
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = Owned("child", owner) }, "default", cancellationToken: Ct);

        await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, Version, "default", Widgets, "owner", propagationPolicy: "Orphan", cancellationToken: Ct);

        Assert.Null(Fake.Get(WidgetType, "default", "owner"));
        var child = Fake.Get<V1ConfigMap>("default", "child")!;
        Assert.Null(child.Metadata.OwnerReferences);
    }

    [Fact]
    public async Task Deleting_a_namespace_deletes_its_objects_and_blocks_new_ones_while_terminating()
    {
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team" } }, cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("p"), "team", cancellationToken: Ct);
        var held = Widget("held");
        held["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        await CreateWidgetAsync(held, "team");

        var deleted = await Client.CoreV1.DeleteNamespaceAsync("team", cancellationToken: Ct);

        Assert.Equal("Terminating", Fake.Get<V1Namespace>(null, "team")!.Status.Phase);
        Assert.Null(Fake.Get<V1Pod>("team", "p"));
        Assert.NotNull(Fake.Get(WidgetType, "team", "held")!["metadata"]!["deletionTimestamp"]);
        var (code, _) = await FailureAsync(() => Client.CoreV1.CreateNamespacedPodAsync(Pod("late"), "team", cancellationToken: Ct));
        Assert.Equal(HttpStatusCode.Forbidden, code);
        Assert.NotNull(deleted);

        Fake.Modify(WidgetType, "team", "held", w => w["metadata"]!.AsObject().Remove("finalizers"));

        Assert.Null(Fake.Get<V1Namespace>(null, "team"));
    }

    [Fact]
    public async Task A_pod_bound_to_a_node_terminates_gracefully()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("bound", nodeName: "node-1"), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("unbound"), "default", cancellationToken: Ct);

        await Client.CoreV1.DeleteNamespacedPodAsync("bound", "default", cancellationToken: Ct);
        await Client.CoreV1.DeleteNamespacedPodAsync("unbound", "default", cancellationToken: Ct);

        Assert.Null(Fake.Get<V1Pod>("default", "unbound"));
        var terminating = Fake.Get<V1Pod>("default", "bound")!;
        Assert.NotNull(terminating.Metadata.DeletionTimestamp);
        Assert.Equal(30, terminating.Metadata.DeletionGracePeriodSeconds);

        Fake.FinishPodTermination("default", "bound");
        Assert.Null(Fake.Get<V1Pod>("default", "bound"));
    }

    [Fact]
    public async Task A_delete_with_grace_period_zero_removes_a_terminating_pod()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("bound", nodeName: "node-1"), "default", cancellationToken: Ct);
        await Client.CoreV1.DeleteNamespacedPodAsync("bound", "default", cancellationToken: Ct);

        await Client.CoreV1.DeleteNamespacedPodAsync("bound", "default", gracePeriodSeconds: 0, cancellationToken: Ct);

        Assert.Null(Fake.Get<V1Pod>("default", "bound"));
    }

    [Fact]
    public async Task Delete_with_a_wrong_uid_precondition_is_409_and_a_missing_object_is_404()
    {
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s" } }, "default", cancellationToken: Ct);

        var (conflict, _) = await FailureAsync(() => Client.CoreV1.DeleteNamespacedSecretAsync("s", "default",
            new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = "not-it" } }, cancellationToken: Ct));
        var status = await Client.CoreV1.DeleteNamespacedSecretAsync("s", "default", cancellationToken: Ct);
        var (missing, _) = await FailureAsync(() => Client.CoreV1.DeleteNamespacedSecretAsync("s", "default", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.Conflict, conflict);
        Assert.Equal("Success", status.Status);
        Assert.Equal(HttpStatusCode.NotFound, missing);
    }

    [Fact]
    public async Task Delete_collection_deletes_matching_objects()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("a", new() { ["job"] = "x" }), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("b", new() { ["job"] = "x" }), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("c", new() { ["job"] = "y" }), "default", cancellationToken: Ct);

        await Client.CoreV1.DeleteCollectionNamespacedPodAsync("default", labelSelector: "job=x", cancellationToken: Ct);

        Assert.Equal(["c"], Fake.List<V1Pod>("default").Select(p => p.Metadata.Name));
    }

    private static V1ObjectMeta Owned(string name, JsonObject owner) => new()
    {
        Name = name,
        OwnerReferences =
        [
            new V1OwnerReference
            {
                ApiVersion = owner["apiVersion"]!.GetValue<string>(),
                Kind = owner["kind"]!.GetValue<string>(),
                Name = owner["metadata"]!["name"]!.GetValue<string>(),
                Uid = owner["metadata"]!["uid"]!.GetValue<string>(),
                Controller = true,
                BlockOwnerDeletion = true,
            },
        ],
    };
}
