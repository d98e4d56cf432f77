using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;
using TuneOperator.Api;

namespace TuneOperator.Controller.Hosting;

/// <summary>
/// The operator's JSON for the Kubernetes API: the source-generated <see cref="OperatorJsonContext"/> (every type the
/// operator sends or receives, no reflection) with the API server's conventions — camelCase names, nulls left out, and
/// RFC 3339 times (KubernetesClient's public converters, the same text its own options write). The operator never goes
/// through <c>KubernetesJson</c>: that class's static setup roots KubernetesClient's all-models context, which the native
/// build would otherwise carry (see bench/README.md). A type missing from the context fails the same way on the JIT and in
/// the native build, so the JIT tests cover the list.
/// </summary>
public static class OperatorJson
{
    /// <summary>The options every API request and response of the operator is read and written with (read-only).</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>The metadata for <typeparamref name="T"/>, from <see cref="OperatorJsonContext"/>.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not in the context.</exception>
    public static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    /// <summary>Writes <paramref name="value"/> as the API server expects it.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, TypeInfo<T>());

    /// <summary>Reads a <typeparamref name="T"/> from UTF-8 JSON.</summary>
    public static T? Deserialize<T>(ReadOnlySpan<byte> utf8) => JsonSerializer.Deserialize(utf8, TypeInfo<T>());

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            TypeInfoResolver = OperatorJsonContext.Default,
        };
        // Nested converter classes: creating them does not run KubernetesJson's static setup.
        options.Converters.Add(new KubernetesJson.Iso8601TimeSpanConverter());
        options.Converters.Add(new KubernetesJson.KubernetesDateTimeConverter());
        options.Converters.Add(new KubernetesJson.KubernetesDateTimeOffsetConverter());
        options.MakeReadOnly();
        return options;
    }
}

/// <summary>The Kubernetes objects, lists, watch events and bodies the operator reads and writes.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FineTuneJob))]
[JsonSerializable(typeof(FineTuneJobSpec))]
[JsonSerializable(typeof(FineTuneJobStatus))]
[JsonSerializable(typeof(KubernetesList<FineTuneJob>))]
[JsonSerializable(typeof(V1Pod))]
[JsonSerializable(typeof(KubernetesList<V1Pod>))]
[JsonSerializable(typeof(V1Secret))]
[JsonSerializable(typeof(V1Lease))]
[JsonSerializable(typeof(Corev1Event))]
[JsonSerializable(typeof(V1Status))]
// A watch bookmark: only metadata.resourceVersion (a FineTuneJob's required spec is absent).
[JsonSerializable(typeof(TuneOperator.Controller.Runtime.WatchBookmark))]
// The answer of a kubeconfig `exec` credential plugin (out-of-cluster runs against EKS, GKE, AKS…).
[JsonSerializable(typeof(k8s.KubeConfigModels.ExecCredentialResponse))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(object))]
[JsonSerializable(typeof(string))]
public sealed partial class OperatorJsonContext : JsonSerializerContext;
