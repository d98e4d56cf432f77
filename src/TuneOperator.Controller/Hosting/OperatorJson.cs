using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;
using TuneOperator.Api;

namespace TuneOperator.Controller.Hosting;

/// <summary>
/// Makes KubernetesClient's JSON work without reflection: the client serializes through the shared options of
/// <see cref="KubernetesJson"/> (its converters for dates, quantities and int-or-string stay in those options); this
/// gives them a source-generated resolver that knows every type the operator sends or receives. A type missing from
/// <see cref="OperatorJsonContext"/> fails the same way on the JIT and in the native build, so the JIT tests cover the list.
/// </summary>
public static class OperatorJson
{
    private static int installed;

    /// <summary>Installs the operator's resolver into <see cref="KubernetesJson"/>'s options, once per process, before
    /// the first request (the options become read-only when first used).</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref installed, 1) == 0)
        {
            KubernetesJson.AddJsonOptions(options => options.TypeInfoResolver = OperatorJsonContext.Default);
        }
    }
}

/// <summary>The Kubernetes objects, lists, watch events and bodies the operator reads and writes.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FineTuneJob))]
[JsonSerializable(typeof(FineTuneJobSpec))]
[JsonSerializable(typeof(FineTuneJobStatus))]
[JsonSerializable(typeof(KubernetesList<FineTuneJob>))]
[JsonSerializable(typeof(Watcher<FineTuneJob>.WatchEvent))]
// KubernetesClient's watcher reads each line first as a generic event (to tell a Status error from an object), then
// as the watched type or as a Status.
[JsonSerializable(typeof(Watcher<KubernetesObject>.WatchEvent))]
[JsonSerializable(typeof(Watcher<V1Status>.WatchEvent))]
[JsonSerializable(typeof(V1Pod))]
[JsonSerializable(typeof(KubernetesList<V1Pod>))]
[JsonSerializable(typeof(Watcher<V1Pod>.WatchEvent))]
[JsonSerializable(typeof(V1Secret))]
[JsonSerializable(typeof(V1Lease))]
[JsonSerializable(typeof(Corev1Event))]
[JsonSerializable(typeof(V1Status))]
[JsonSerializable(typeof(V1Patch))]
[JsonSerializable(typeof(V1DeleteOptions))]
// The answer of a kubeconfig `exec` credential plugin (out-of-cluster runs against EKS, GKE, AKS…).
[JsonSerializable(typeof(k8s.KubeConfigModels.ExecCredentialResponse))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(object))]
[JsonSerializable(typeof(string))]
public sealed partial class OperatorJsonContext : JsonSerializerContext;
