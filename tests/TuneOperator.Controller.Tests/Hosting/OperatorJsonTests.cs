using System.Text.Json;
using k8s;
using k8s.Models;
using TuneOperator.Api;
using TuneOperator.Controller.Hosting;
using Xunit;

namespace TuneOperator.Controller.Tests.Hosting;

/// <summary>
/// The native operator serializes only through <see cref="OperatorJsonContext"/>: every type KubernetesClient reads or
/// writes on the operator's paths must be in it, or the call fails at run time in the native build only.
/// </summary>
public sealed class OperatorJsonTests
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { TypeInfoResolver = OperatorJsonContext.Default };

    [Theory]
    [InlineData(typeof(FineTuneJob))]
    [InlineData(typeof(KubernetesList<FineTuneJob>))]
    [InlineData(typeof(KubernetesList<V1Pod>))]
    [InlineData(typeof(V1Secret))]
    [InlineData(typeof(V1Lease))]
    [InlineData(typeof(Corev1Event))]
    [InlineData(typeof(V1Status))]
    [InlineData(typeof(Watcher<KubernetesObject>.WatchEvent))]
    [InlineData(typeof(Watcher<V1Status>.WatchEvent))]
    [InlineData(typeof(Watcher<FineTuneJob>.WatchEvent))]
    [InlineData(typeof(Watcher<V1Pod>.WatchEvent))]
    [InlineData(typeof(k8s.KubeConfigModels.ExecCredentialResponse))]
    public void The_context_has_a_contract_for_each_type_on_the_operators_paths(Type type)
    {
        Assert.NotNull(OperatorJsonContext.Default.GetTypeInfo(type));
    }

    [Fact]
    public void A_watch_line_reads_as_the_generic_event_then_as_the_watched_type_and_an_error_line_as_a_status()
    {
        const string added = """{"type":"ADDED","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","resourceVersion":"7"},"status":{"phase":"Running"}}}""";
        const string gone = """{"type":"ERROR","object":{"apiVersion":"v1","kind":"Status","status":"Failure","reason":"Expired","code":410}}""";

        var generic = JsonSerializer.Deserialize<Watcher<KubernetesObject>.WatchEvent>(added, Options)!;
        var pod = JsonSerializer.Deserialize<Watcher<V1Pod>.WatchEvent>(added, Options)!;
        var status = JsonSerializer.Deserialize<Watcher<V1Status>.WatchEvent>(gone, Options)!;

        Assert.Equal("Pod", generic.Object.Kind);
        Assert.Equal(("p", "7", "Running"), (pod.Object.Metadata.Name, pod.Object.Metadata.ResourceVersion, pod.Object.Status.Phase));
        Assert.Equal(410, status.Object.Code);
    }
}
