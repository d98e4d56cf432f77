using k8s;
using k8s.Models;

namespace TuneOperator.Controller.Runtime;

/// <summary>
/// Lists and watches one kind through <see cref="KubeApiClient"/>. With a namespace it reads that namespace only; without
/// one, all namespaces. A label selector narrows both calls (for example to the pods the operator manages).
/// </summary>
public sealed class KubernetesListWatchClient<T>(KubeApiClient client, ResourceType type, string? namespaceName = null, string? labelSelector = null)
    : IListWatchClient<T>
    where T : IKubernetesObject<V1ObjectMeta>
{
    /// <inheritdoc />
    public Task<ResourceListPage<T>> ListAsync(string? continueToken, int limit, CancellationToken cancellationToken) =>
        client.ListAsync<T>(type, namespaceName, labelSelector, continueToken, limit, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<(WatchEventType Type, T? Object, string ResourceVersion)> WatchAsync(
        string resourceVersion, TimeSpan serverTimeout, Action<Exception> onError, CancellationToken cancellationToken) =>
        client.WatchAsync<T>(type, namespaceName, labelSelector, resourceVersion, serverTimeout, onError, cancellationToken);
}
