using k8s;
using k8s.Models;

namespace TuneOperator.Controller.Runtime;

/// <summary>
/// Lists and watches any kind through KubernetesClient's generic (custom object) operations, which also serve the core
/// group. With a namespace it reads that namespace only; without one, all namespaces.
/// </summary>
public sealed class KubernetesListWatchClient<T>(IKubernetes client, ResourceType type, string? namespaceName = null)
    : IListWatchClient<T>
    where T : IKubernetesObject<V1ObjectMeta>
{
    /// <inheritdoc />
    public async Task<ResourceListPage<T>> ListAsync(string? continueToken, int limit, CancellationToken cancellationToken)
    {
        var response = string.IsNullOrEmpty(namespaceName)
            ? await client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<KubernetesList<T>>(
                type.Group, type.Version, type.Plural, continueParameter: continueToken, limit: limit, cancellationToken: cancellationToken)
            : await client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<KubernetesList<T>>(
                type.Group, type.Version, namespaceName, type.Plural, continueParameter: continueToken, limit: limit, cancellationToken: cancellationToken);
        using (response)
        {
            var body = response.Body;
            return new ResourceListPage<T>(
                body.Items is null ? [] : [.. body.Items],
                body.Metadata?.ResourceVersion ?? string.Empty,
                body.Metadata?.ContinueProperty);
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(
        string resourceVersion, TimeSpan serverTimeout, Action<Exception> onError, CancellationToken cancellationToken)
    {
        var timeoutSeconds = (int)Math.Max(1, serverTimeout.TotalSeconds);
        var response = string.IsNullOrEmpty(namespaceName)
            ? client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<KubernetesList<T>>(
                type.Group, type.Version, type.Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion,
                timeoutSeconds: timeoutSeconds, watch: true, cancellationToken: cancellationToken)
            : client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<KubernetesList<T>>(
                type.Group, type.Version, namespaceName, type.Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion,
                timeoutSeconds: timeoutSeconds, watch: true, cancellationToken: cancellationToken);
        // The suggested replacement (WatchList...CustomObjectAsync) yields untyped objects that would be parsed twice;
        // this overload deserializes each event straight into T.
#pragma warning disable CS0618
        return response.WatchAsync<T, KubernetesList<T>>(onError, cancellationToken);
#pragma warning restore CS0618
    }
}
