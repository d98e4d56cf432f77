using System.Net;
using k8s;
using k8s.Models;
using Xunit;

namespace TuneOperator.Controller.Tests.ApiFake;

public sealed class CrudTests : FakeTestBase
{
    [Fact]
    public async Task Create_sets_uid_creation_timestamp_and_a_rising_resource_version()
    {
        var before = Fake.ResourceVersion;
        var created = await Client.CoreV1.CreateNamespacedPodAsync(Pod("p1"), "default", cancellationToken: Ct);
        var second = await Client.CoreV1.CreateNamespacedPodAsync(Pod("p2"), "default", cancellationToken: Ct);

        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.Equal("default", created.Metadata.NamespaceProperty);
        Assert.Equal("Pending", created.Status.Phase);
        Assert.True(long.Parse(created.Metadata.ResourceVersion) > before);
        Assert.True(long.Parse(second.Metadata.ResourceVersion) > long.Parse(created.Metadata.ResourceVersion));

        var read = await Client.CoreV1.ReadNamespacedPodAsync("p1", "default", cancellationToken: Ct);
        Assert.Equal(created.Metadata.Uid, read.Metadata.Uid);
        Assert.Equal("busybox:1", read.Spec.Containers[0].Image);
    }

    [Fact]
    public async Task GenerateName_appends_a_random_suffix()
    {
        var secret = new V1Secret { Metadata = new V1ObjectMeta { GenerateName = "token-" }, StringData = new Dictionary<string, string> { ["a"] = "b" } };
        var first = await Client.CoreV1.CreateNamespacedSecretAsync(secret, "default", cancellationToken: Ct);
        var second = await Client.CoreV1.CreateNamespacedSecretAsync(secret, "default", cancellationToken: Ct);

        Assert.StartsWith("token-", first.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal("token-".Length + 5, first.Metadata.Name.Length);
        Assert.NotEqual(first.Metadata.Name, second.Metadata.Name);
    }

    [Fact]
    public async Task Duplicate_create_is_409_AlreadyExists()
    {
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cm" } }, "default", cancellationToken: Ct);

        var (code, status) = await FailureAsync(() => Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cm" } }, "default", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("AlreadyExists", status["reason"]!.GetValue<string>());
        Assert.Equal("cm", status["details"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Missing_object_is_404_NotFound_status()
    {
        var (code, status) = await FailureAsync(() => Client.CoreV1.ReadNamespacedPodAsync("nope", "default", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal("Failure", status["status"]!.GetValue<string>());
        Assert.Equal("NotFound", status["reason"]!.GetValue<string>());
        Assert.Equal(404, status["code"]!.GetValue<int>());
        Assert.Equal("pods \"nope\" not found", status["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_in_a_missing_namespace_is_404()
    {
        var (code, status) = await FailureAsync(() => Client.CoreV1.CreateNamespacedPodAsync(Pod("p"), "nowhere", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Contains("namespaces \"nowhere\" not found", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_with_a_stale_resource_version_is_409_Conflict_and_changes_nothing()
    {
        var cm = await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cm" }, Data = new Dictionary<string, string> { ["k"] = "1" } }, "default", cancellationToken: Ct);
        cm.Data["k"] = "2";
        var updated = await Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "cm", "default", cancellationToken: Ct);
        cm.Data["k"] = "3";

        var (code, status) = await FailureAsync(() => Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "cm", "default", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("Conflict", status["reason"]!.GetValue<string>());
        Assert.Contains("the object has been modified", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var stored = await Client.CoreV1.ReadNamespacedConfigMapAsync("cm", "default", cancellationToken: Ct);
        Assert.Equal("2", stored.Data["k"]);
        Assert.Equal(updated.Metadata.ResourceVersion, stored.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Update_without_a_resource_version_is_unconditional_and_a_no_op_update_keeps_the_resource_version()
    {
        var cm = await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cm" }, Data = new Dictionary<string, string> { ["k"] = "1" } }, "default", cancellationToken: Ct);

        var same = await Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "cm", "default", cancellationToken: Ct);
        Assert.Equal(cm.Metadata.ResourceVersion, same.Metadata.ResourceVersion);

        var blind = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cm" }, Data = new Dictionary<string, string> { ["k"] = "9" } };
        var updated = await Client.CoreV1.ReplaceNamespacedConfigMapAsync(blind, "cm", "default", cancellationToken: Ct);
        Assert.Equal("9", updated.Data["k"]);
        Assert.Equal(cm.Metadata.Uid, updated.Metadata.Uid);
        Assert.Equal(cm.Metadata.CreationTimestamp, updated.Metadata.CreationTimestamp);
    }

    [Fact]
    public async Task Stores_leases_events_deployments_services_and_service_accounts()
    {
        await Client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "leader" },
            Spec = new V1LeaseSpec { HolderIdentity = "a", LeaseDurationSeconds = 15 },
        }, "kube-system", cancellationToken: Ct);
        await Client.EventsV1.CreateNamespacedEventAsync(new Eventsv1Event
        {
            Metadata = new V1ObjectMeta { Name = "e1" },
            EventTime = DateTime.UtcNow,
            Reason = "Created",
            Action = "Create",
            ReportingController = "tuneoperator",
            ReportingInstance = "x",
            Type = "Normal",
        }, "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "e2" },
            InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = "p" },
            Reason = "Started",
        }, "default", cancellationToken: Ct);
        await Client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1DeploymentSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "web", Image = "nginx" }] },
                },
            },
        }, "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedServiceAsync(new V1Service { Metadata = new V1ObjectMeta { Name = "svc" }, Spec = new V1ServiceSpec() }, "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "sa" } }, "default", cancellationToken: Ct);

        Assert.Equal("a", (await Client.CoordinationV1.ReadNamespacedLeaseAsync("leader", "kube-system", cancellationToken: Ct)).Spec.HolderIdentity);
        Assert.Equal("Created", Assert.Single((await Client.EventsV1.ListNamespacedEventAsync("default", cancellationToken: Ct)).Items).Reason);
        Assert.Equal("Started", Assert.Single((await Client.CoreV1.ListEventForAllNamespacesAsync(cancellationToken: Ct)).Items).Reason);
        var deployment = await Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default", cancellationToken: Ct);
        Assert.Equal(1, deployment.Metadata.Generation);
        Assert.NotNull(Fake.Get<V1Service>("default", "svc"));
        Assert.NotNull(Fake.Get<V1ServiceAccount>("default", "sa"));
    }

    [Fact]
    public async Task All_namespaces_list_and_cluster_scoped_namespaces()
    {
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team-a" } }, cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("a"), "team-a", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("b"), "default", cancellationToken: Ct);

        var all = await Client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: Ct);
        var teamA = await Client.CoreV1.ListNamespacedPodAsync("team-a", cancellationToken: Ct);
        var namespaces = await Client.CoreV1.ListNamespaceAsync(cancellationToken: Ct);

        Assert.Equal(["team-a/a", "default/b"], all.Items.Select(p => p.Metadata.NamespaceProperty + "/" + p.Metadata.Name).OrderByDescending(x => x, StringComparer.Ordinal));
        Assert.Equal("a", Assert.Single(teamA.Items).Metadata.Name);
        Assert.False(string.IsNullOrEmpty(all.Metadata.ResourceVersion));
        Assert.Contains(namespaces.Items, n => n.Metadata.Name == "team-a" && n.Status.Phase == "Active");
    }

    [Fact]
    public async Task Body_namespace_that_differs_from_the_url_is_400()
    {
        var pod = Pod("p");
        pod.Metadata.NamespaceProperty = "kube-system";

        var (code, _) = await FailureAsync(() => Client.CoreV1.CreateNamespacedPodAsync(pod, "default", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task Dry_run_validates_without_storing()
    {
        var result = await Client.CoreV1.CreateNamespacedPodAsync(Pod("dry"), "default", dryRun: "All", cancellationToken: Ct);

        Assert.Equal("dry", result.Metadata.Name);
        Assert.Null(Fake.Get<V1Pod>("default", "dry"));
    }

    [Fact]
    public async Task Discovery_lists_core_and_custom_resources()
    {
        var groups = await Client.Apis.GetAPIVersionsAsync(Ct);
        var core = await Client.CoreV1.GetAPIResourcesAsync(Ct);
        var custom = await Client.CustomObjects.GetAPIResourcesAsync(Group, Version, Ct);

        Assert.Contains(groups.Groups, g => g.Name == "example.com");
        Assert.Contains(core.Resources, r => r.Name == "pods/status");
        Assert.Contains(custom.Resources, r => r.Name == "widgets" && r.Namespaced && r.Kind == "Widget");
        Assert.Contains(custom.Resources, r => r.Name == "gadgets" && !r.Namespaced);
    }

    [Fact]
    public async Task Test_store_access_writes_are_seen_by_the_client()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("p"), "default", cancellationToken: Ct);

        Fake.Modify<V1Pod>("default", "p", p => p.Status = new V1PodStatus { Phase = "Running" });

        var read = await Client.CoreV1.ReadNamespacedPodAsync("p", "default", cancellationToken: Ct);
        Assert.Equal("Running", read.Status.Phase);
        var raw = Fake.Get(Fake.TypeOf<V1Pod>(), "default", "p");
        Assert.Equal(read.Metadata.ResourceVersion, raw!["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Single(Fake.List<V1Pod>("default"));
    }

    [Fact]
    public async Task Create_with_a_resource_version_or_a_mistyped_field_is_400()
    {
        var withVersion = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cm", ResourceVersion = "5" } };
        using var http = new HttpClient();
        using var body = new StringContent("""{"metadata":{"name":"bad","labels":{"n":1}}}""", System.Text.Encoding.UTF8, "application/json");

        var (code, status) = await FailureAsync(() => Client.CoreV1.CreateNamespacedConfigMapAsync(withVersion, "default", cancellationToken: Ct));
        using var response = await http.PostAsync(new Uri(Fake.Url + "/api/v1/namespaces/default/configmaps"), body, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Contains("resourceVersion should not be set", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(Fake.List<V1ConfigMap>("default"));
    }
}
