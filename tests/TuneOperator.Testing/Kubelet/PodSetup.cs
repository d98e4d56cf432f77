using System.Globalization;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace TuneOperator.Testing.Kubelet;

/// <summary>Prepares a local Pod as the kubelet does: volumes as folders, container environments with references resolved.</summary>
internal static class PodSetup
{
    private const string ConfigError = "CreateContainerConfigError";
    private const string MountError = "ContainerCreating";

    /// <summary>Creates the Pod's volumes as local folders and returns volume name → folder.</summary>
    internal static async Task<Dictionary<string, string>> PrepareVolumesAsync(
        IKubernetes client, V1Pod pod, string podDirectory, string claimRoot, CancellationToken cancellationToken)
    {
        var ns = pod.Metadata.NamespaceProperty;
        var folders = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            var folder = Path.Combine(podDirectory, "volumes", volume.Name);
            if (volume.EmptyDir is not null)
            {
                Directory.CreateDirectory(folder);
            }
            else if (volume.Secret is { } secretVolume)
            {
                var secret = await ReadAsync(() => client.CoreV1.ReadNamespacedSecretAsync(secretVolume.SecretName, ns, cancellationToken: cancellationToken));
                if (secret is null && secretVolume.Optional != true)
                {
                    throw new PodSetupException(MountError, $"MountVolume.SetUp failed for volume \"{volume.Name}\": secret \"{secretVolume.SecretName}\" not found");
                }

                WriteFiles(folder, SecretData(secret), secretVolume.Items, secretVolume.DefaultMode ?? 0x1A4, volume.Name, "Secret", secretVolume.SecretName);
            }
            else if (volume.ConfigMap is { } mapVolume)
            {
                var map = await ReadAsync(() => client.CoreV1.ReadNamespacedConfigMapAsync(mapVolume.Name, ns, cancellationToken: cancellationToken));
                if (map is null && mapVolume.Optional != true)
                {
                    throw new PodSetupException(MountError, $"MountVolume.SetUp failed for volume \"{volume.Name}\": configmap \"{mapVolume.Name}\" not found");
                }

                WriteFiles(folder, ConfigMapData(map), mapVolume.Items, mapVolume.DefaultMode ?? 0x1A4, volume.Name, "ConfigMap", mapVolume.Name);
            }
            else if (volume.PersistentVolumeClaim is { } claim)
            {
                folder = Path.Combine(claimRoot, ns, claim.ClaimName);
                Directory.CreateDirectory(folder);
            }
            else if (volume.HostPath is { } hostPath)
            {
                folder = hostPath.Path;
                if (hostPath.Type is "DirectoryOrCreate")
                {
                    Directory.CreateDirectory(folder);
                }
            }
            else
            {
                throw new PodSetupException(MountError, $"volume \"{volume.Name}\": the local kubelet supports emptyDir, secret, configMap, persistentVolumeClaim and hostPath volumes");
            }

            folders[volume.Name] = folder;
        }

        return folders;
    }

    /// <summary>The container's mount path → local folder map, in the <c>Trainer:PathMap</c> format.</summary>
    internal static string PathMap(V1Container container, IReadOnlyDictionary<string, string> volumes)
    {
        var entries = new List<string>();
        foreach (var mount in container.VolumeMounts ?? [])
        {
            if (!volumes.TryGetValue(mount.Name, out var folder))
            {
                throw new PodSetupException(ConfigError, $"container \"{container.Name}\": volumeMounts \"{mount.Name}\" names no volume of the Pod");
            }

            if (!string.IsNullOrEmpty(mount.SubPath))
            {
                folder = Path.Combine(folder, mount.SubPath);
                Directory.CreateDirectory(folder);
            }

            entries.Add(mount.MountPath.TrimEnd('/') + "=" + folder);
        }

        return string.Join(';', entries);
    }

    /// <summary>The container's environment in order: envFrom, then env, with $(VAR) references expanded.</summary>
    internal static async Task<List<KeyValuePair<string, string>>> EnvironmentAsync(
        IKubernetes client, V1Pod pod, V1Container container, string podIP, string hostIP, IReadOnlyDictionary<string, string> capacity, CancellationToken cancellationToken)
    {
        var ns = pod.Metadata.NamespaceProperty;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();
        void Set(string name, string value)
        {
            if (values.TryAdd(name, value))
            {
                order.Add(name);
            }
            else
            {
                values[name] = value;
            }
        }

        foreach (var source in container.EnvFrom ?? [])
        {
            IDictionary<string, string>? data;
            if (source.SecretRef is { } secretRef)
            {
                var secret = await ReadAsync(() => client.CoreV1.ReadNamespacedSecretAsync(secretRef.Name, ns, cancellationToken: cancellationToken));
                if (secret is null && secretRef.Optional != true)
                {
                    throw new PodSetupException(ConfigError, $"secret \"{secretRef.Name}\" not found");
                }

                data = SecretData(secret).ToDictionary(p => p.Key, p => Encoding.UTF8.GetString(p.Value));
            }
            else if (source.ConfigMapRef is { } mapRef)
            {
                var map = await ReadAsync(() => client.CoreV1.ReadNamespacedConfigMapAsync(mapRef.Name, ns, cancellationToken: cancellationToken));
                if (map is null && mapRef.Optional != true)
                {
                    throw new PodSetupException(ConfigError, $"configmap \"{mapRef.Name}\" not found");
                }

                data = ConfigMapData(map).ToDictionary(p => p.Key, p => Encoding.UTF8.GetString(p.Value));
            }
            else
            {
                continue;
            }

            foreach (var (key, value) in data.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                Set((source.Prefix ?? string.Empty) + key, value);
            }
        }

        foreach (var env in container.Env ?? [])
        {
            if (env.ValueFrom is not { } from)
            {
                Set(env.Name, Expand(env.Value ?? string.Empty, values));
            }
            else if (from.FieldRef is { } field)
            {
                Set(env.Name, FieldValue(pod, field.FieldPath, podIP, hostIP, env.Name));
            }
            else if (from.SecretKeyRef is { } secretKey)
            {
                var secret = await ReadAsync(() => client.CoreV1.ReadNamespacedSecretAsync(secretKey.Name, ns, cancellationToken: cancellationToken));
                if (secret is null)
                {
                    if (secretKey.Optional == true)
                    {
                        continue;
                    }

                    throw new PodSetupException(ConfigError, $"secret \"{secretKey.Name}\" not found");
                }

                if (!SecretData(secret).TryGetValue(secretKey.Key, out var bytes))
                {
                    if (secretKey.Optional == true)
                    {
                        continue;
                    }

                    throw new PodSetupException(ConfigError, $"couldn't find key {secretKey.Key} in Secret {ns}/{secretKey.Name}");
                }

                Set(env.Name, Encoding.UTF8.GetString(bytes));
            }
            else if (from.ConfigMapKeyRef is { } mapKey)
            {
                var map = await ReadAsync(() => client.CoreV1.ReadNamespacedConfigMapAsync(mapKey.Name, ns, cancellationToken: cancellationToken));
                if (map is null)
                {
                    if (mapKey.Optional == true)
                    {
                        continue;
                    }

                    throw new PodSetupException(ConfigError, $"configmap \"{mapKey.Name}\" not found");
                }

                if (!ConfigMapData(map).TryGetValue(mapKey.Key, out var bytes))
                {
                    if (mapKey.Optional == true)
                    {
                        continue;
                    }

                    throw new PodSetupException(ConfigError, $"couldn't find key {mapKey.Key} in ConfigMap {ns}/{mapKey.Name}");
                }

                Set(env.Name, Encoding.UTF8.GetString(bytes));
            }
            else if (from.ResourceFieldRef is { } resource)
            {
                Set(env.Name, ResourceValue(pod, container, resource, capacity, env.Name));
            }
        }

        return [.. order.Select(name => new KeyValuePair<string, string>(name, values[name]))];
    }

    /// <summary>Expands <c>$(VAR)</c> references to defined variables; <c>$$</c> escapes a dollar; undefined references stay as written.</summary>
    internal static string Expand(string text, IReadOnlyDictionary<string, string> values)
    {
        var output = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '$' && i + 1 < text.Length)
            {
                if (text[i + 1] == '$')
                {
                    output.Append('$');
                    i++;
                    continue;
                }

                if (text[i + 1] == '(')
                {
                    var end = text.IndexOf(')', i + 2);
                    if (end > 0)
                    {
                        var name = text[(i + 2)..end];
                        if (values.TryGetValue(name, out var value))
                        {
                            output.Append(value);
                            i = end;
                            continue;
                        }
                    }
                }
            }

            output.Append(text[i]);
        }

        return output.ToString();
    }

    private static string FieldValue(V1Pod pod, string path, string podIP, string hostIP, string envName)
    {
        string? Indexed(IDictionary<string, string>? map, string prefix) =>
            path.Length > prefix.Length + 4 && path.EndsWith("']", StringComparison.Ordinal)
                ? map?.TryGetValue(path[(prefix.Length + 2)..^2], out var value) == true ? value : string.Empty
                : null;

        return path switch
        {
            "metadata.name" => pod.Metadata.Name,
            "metadata.namespace" => pod.Metadata.NamespaceProperty,
            "metadata.uid" => pod.Metadata.Uid,
            "spec.nodeName" => pod.Spec.NodeName ?? string.Empty,
            "spec.serviceAccountName" => pod.Spec.ServiceAccountName ?? string.Empty,
            "status.podIP" or "status.podIPs" => podIP,
            "status.hostIP" or "status.hostIPs" => hostIP,
            _ when path.StartsWith("metadata.labels['", StringComparison.Ordinal) => Indexed(pod.Metadata.Labels, "metadata.labels")!,
            _ when path.StartsWith("metadata.annotations['", StringComparison.Ordinal) => Indexed(pod.Metadata.Annotations, "metadata.annotations")!,
            _ => throw new PodSetupException(ConfigError, $"env \"{envName}\": fieldRef fieldPath \"{path}\" is not supported (use metadata.name, metadata.namespace, metadata.uid, metadata.labels['k'], metadata.annotations['k'], spec.nodeName, spec.serviceAccountName, status.podIP, status.hostIP)"),
        } ?? string.Empty;
    }

    private static string ResourceValue(V1Pod pod, V1Container self, V1ResourceFieldSelector selector, IReadOnlyDictionary<string, string> capacity, string envName)
    {
        var container = string.IsNullOrEmpty(selector.ContainerName) ? self : pod.Spec.Containers.FirstOrDefault(c => c.Name == selector.ContainerName)
            ?? throw new PodSetupException(ConfigError, $"env \"{envName}\": resourceFieldRef names no container \"{selector.ContainerName}\"");
        var parts = selector.Resource.Split('.', 2);
        if (parts.Length != 2 || parts[0] is not ("limits" or "requests"))
        {
            throw new PodSetupException(ConfigError, $"env \"{envName}\": resourceFieldRef resource \"{selector.Resource}\" must be limits.<name> or requests.<name>");
        }

        var map = parts[0] == "limits" ? container.Resources?.Limits : container.Resources?.Requests;
        decimal amount;
        if (map is not null && map.TryGetValue(parts[1], out var quantity))
        {
            amount = quantity.ToDecimal();
        }
        else if (parts[0] == "limits" && capacity.TryGetValue(parts[1], out var node))
        {
            amount = new ResourceQuantity(node).ToDecimal();
        }
        else
        {
            amount = 0;
        }

        var divisor = selector.Divisor is null ? 1m : selector.Divisor.ToDecimal();
        return Math.Ceiling(amount / (divisor == 0 ? 1m : divisor)).ToString(CultureInfo.InvariantCulture);
    }

    private static void WriteFiles(string folder, IReadOnlyDictionary<string, byte[]> data, IList<V1KeyToPath>? items, int defaultMode, string volume, string kind, string source)
    {
        Directory.CreateDirectory(folder);
        var files = items is { Count: > 0 }
            ? items.Select(item => (item.Key, item.Path, Mode: item.Mode ?? defaultMode))
            : data.Keys.Select(key => (Key: key, Path: key, Mode: defaultMode));
        foreach (var (key, relative, mode) in files)
        {
            if (!data.TryGetValue(key, out var bytes))
            {
                throw new PodSetupException(MountError, $"MountVolume.SetUp failed for volume \"{volume}\": {kind} \"{source}\" has no key \"{key}\"");
            }

            if (Path.IsPathRooted(relative) || relative.Split('/').Contains(".."))
            {
                throw new PodSetupException(MountError, $"volume \"{volume}\": item path \"{relative}\" must be relative and must not contain '..'");
            }

            var file = Path.Combine(folder, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            if (File.Exists(file))
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.WriteAllBytes(file, bytes);
            File.SetUnixFileMode(file, (UnixFileMode)(mode & 0x1FF));
        }
    }

    /// <summary>A Secret's data with stringData merged over it (the API server does that on write; the fake stores what was sent).</summary>
    private static Dictionary<string, byte[]> SecretData(V1Secret? secret)
    {
        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in secret?.Data ?? new Dictionary<string, byte[]>())
        {
            data[key] = value;
        }

        foreach (var (key, value) in secret?.StringData ?? new Dictionary<string, string>())
        {
            data[key] = Encoding.UTF8.GetBytes(value);
        }

        return data;
    }

    private static Dictionary<string, byte[]> ConfigMapData(V1ConfigMap? map)
    {
        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in map?.BinaryData ?? new Dictionary<string, byte[]>())
        {
            data[key] = value;
        }

        foreach (var (key, value) in map?.Data ?? new Dictionary<string, string>())
        {
            data[key] = Encoding.UTF8.GetBytes(value);
        }

        return data;
    }

    private static async Task<T?> ReadAsync<T>(Func<Task<T>> read)
        where T : class
    {
        try
        {
            return await read();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
