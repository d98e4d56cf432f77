using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using YamlDotNet.Serialization;

namespace TuneOperator.Controller.Hosting;

/// <summary>
/// Reads a kubeconfig file with a plain YAML deserializer into the client's kubeconfig model. The client's own loader
/// goes through <c>KubernetesYaml</c>, whose static setup loads every type of the Kubernetes model assembly (about
/// 9 MiB of mapped file and the runtime data of a thousand types) just to read a few fields; the operator needs none of it.
/// </summary>
public static class KubeconfigLoader
{
    /// <summary>The client configuration from the kubeconfig at <paramref name="path"/> (its current context).</summary>
    /// <exception cref="KubeConfigException">The file is missing or is not a kubeconfig.</exception>
    public static KubernetesClientConfiguration Load(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new KubeConfigException($"kubeconfig {full} does not exist; pass an existing file with --kubeconfig.");
        }

        K8SConfiguration config;
        try
        {
            var deserializer = new DeserializerBuilder().IgnoreUnmatchedProperties().Build();
            config = deserializer.Deserialize<K8SConfiguration>(File.ReadAllText(full))
                ?? throw new KubeConfigException($"kubeconfig {full} is empty.");
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new KubeConfigException($"kubeconfig {full} is not valid YAML: {ex.Message}", ex);
        }

        // Relative certificate and key paths are resolved against the kubeconfig's folder, as kubectl does.
        config.FileName = full;
        return KubernetesClientConfiguration.BuildConfigFromConfigObject(config);
    }
}
