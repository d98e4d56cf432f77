using k8s;

namespace TuneOperator.Controller.Runtime;

/// <summary>The two API calls an informer needs: a paged list and a watch from a resourceVersion.</summary>
public interface IListWatchClient<T>
{
    /// <summary>Lists one page of at most <paramref name="limit"/> objects.</summary>
    Task<ResourceListPage<T>> ListAsync(string? continueToken, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Watches from <paramref name="resourceVersion"/> with bookmarks: each event with the object (none for a bookmark)
    /// and the resourceVersion it brings the watch to. Error events from the server (such as 410 Expired) are passed to
    /// <paramref name="onError"/>; the stream ends when the server closes the watch.
    /// </summary>
    IAsyncEnumerable<(WatchEventType Type, T? Object, string ResourceVersion)> WatchAsync(
        string resourceVersion, TimeSpan serverTimeout, Action<Exception> onError, CancellationToken cancellationToken);
}
