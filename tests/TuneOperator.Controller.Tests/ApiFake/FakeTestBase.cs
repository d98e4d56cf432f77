using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using TuneOperator.Testing.Kube;
using Xunit;

namespace TuneOperator.Controller.Tests.ApiFake;

/// <summary>Starts a fresh fake and a real KubernetesClient for each test, with a small test CRD registered.</summary>
public abstract class FakeTestBase : IAsyncLifetime
{
    protected const string Group = "example.com";
    protected const string Version = "v1";
    protected const string Widgets = "widgets";
    protected const string Gadgets = "gadgets";

    private KubeApiFake? _fake;
    private Kubernetes? _client;

    protected KubeApiFake Fake => _fake ?? throw new InvalidOperationException("not started");

    protected Kubernetes Client => _client ?? throw new InvalidOperationException("not started");

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected ResourceType WidgetType => Fake.Resource(Group, Version, Widgets);

    protected virtual KubeApiFakeOptions Options => new();

    /// <summary>A namespaced CRD with a status subresource, and a cluster-scoped one without.</summary>
    public static string TestCrdsYaml => """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.example.com
        spec:
          group: example.com
          scope: Namespaced
          names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
          versions:
            - name: v1
              served: true
              storage: true
              subresources: {status: {}}
              schema:
                openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
        ---
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: gadgets.example.com
        spec:
          group: example.com
          scope: Cluster
          names: {plural: gadgets, singular: gadget, kind: Gadget}
          versions:
            - name: v1
              served: true
              storage: true
              schema:
                openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
        """;

    public virtual async ValueTask InitializeAsync()
    {
        _fake = await KubeApiFake.StartAsync(Options, Ct);
        _client = _fake.CreateClient();
        _fake.RegisterCustomResourceDefinitions(TestCrdsYaml);
    }

    public virtual async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_fake is not null)
        {
            await _fake.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    protected static JsonObject Widget(string name, int size = 1, Dictionary<string, string>? labels = null)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (labels is not null)
        {
            var l = new JsonObject();
            foreach (var (k, v) in labels)
            {
                l[k] = v;
            }

            metadata["labels"] = l;
        }

        return new JsonObject
        {
            ["apiVersion"] = Group + "/" + Version,
            ["kind"] = "Widget",
            ["metadata"] = metadata,
            ["spec"] = new JsonObject { ["size"] = size },
        };
    }

    protected static V1Pod Pod(string name, Dictionary<string, string>? labels = null, string? nodeName = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels },
        Spec = new V1PodSpec
        {
            NodeName = nodeName,
            Containers = [new V1Container { Name = "main", Image = "busybox:1" }],
        },
    };

    protected static JsonObject AsJson(object customObject) => JsonNode.Parse(KubernetesJson.Serialize(customObject))!.AsObject();

    protected static string Rv(JsonObject obj) => obj["metadata"]!["resourceVersion"]!.GetValue<string>();

    protected static long Generation(JsonObject obj) => obj["metadata"]!["generation"]!.GetValue<long>();

    protected async Task<JsonObject> CreateWidgetAsync(JsonObject widget, string ns = "default") =>
        AsJson(await Client.CustomObjects.CreateNamespacedCustomObjectAsync(widget, Group, Version, ns, Widgets, cancellationToken: Ct));

    protected async Task<JsonObject> GetWidgetAsync(string name, string ns = "default") =>
        AsJson(await Client.CustomObjects.GetNamespacedCustomObjectAsync(Group, Version, ns, Widgets, name, cancellationToken: Ct));

    /// <summary>Runs a call that must fail and returns the HTTP status and the Status object the server sent.</summary>
    protected static async Task<(HttpStatusCode Code, JsonObject Status)> FailureAsync(Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<HttpOperationException>(call);
        return (e.Response.StatusCode, JsonNode.Parse(e.Response.Content)!.AsObject());
    }
}
