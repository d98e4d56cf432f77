using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using TuneOperator.Testing.Kube;
using Xunit;

namespace TuneOperator.Controller.Tests.ApiFake;

public sealed class WatchTests : FakeTestBase
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly List<IDisposable> _watchers = [];

    protected override KubeApiFakeOptions Options => new() { BookmarkInterval = TimeSpan.FromMilliseconds(100) };

    [Fact]
    public async Task Watch_from_a_list_resource_version_streams_added_modified_deleted()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("old"), "default", cancellationToken: Ct);
        var list = await Client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: Ct);
        var events = Collect<V1Pod>((e, r, c) => Client.CoreV1.WatchListNamespacedPod("default", resourceVersion: list.Metadata.ResourceVersion, onEvent: e, onError: r, onClosed: c), out _);

        await Client.CoreV1.CreateNamespacedPodAsync(Pod("p"), "default", cancellationToken: Ct);
        Fake.Modify<V1Pod>("default", "p", p => p.Status.Phase = "Running");
        await Client.CoreV1.DeleteNamespacedPodAsync("p", "default", cancellationToken: Ct);
        await KubeApiFake.WaitUntilAsync(() => events.Count >= 3, Wait, "three events", Ct);

        var received = events.ToArray();
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], received.Select(e => e.Type));
        Assert.All(received, e => Assert.Equal("p", e.Object.Metadata.Name));
        Assert.Equal("Running", received[1].Object.Status.Phase);
        var versions = received.Select(e => long.Parse(e.Object.Metadata.ResourceVersion)).ToArray();
        Assert.Equal(versions.Order(), versions);
        Assert.True(versions[0] > long.Parse(list.Metadata.ResourceVersion));
    }

    [Fact]
    public async Task Watch_without_a_resource_version_starts_with_the_current_objects_as_added()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("a"), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("b"), "default", cancellationToken: Ct);

        var events = Collect<V1Pod>((e, r, c) => Client.CoreV1.WatchListNamespacedPod("default", onEvent: e, onError: r, onClosed: c), out _);
        await KubeApiFake.WaitUntilAsync(() => events.Count >= 2, Wait, "two events", Ct);

        Assert.All(events, e => Assert.Equal(WatchEventType.Added, e.Type));
        Assert.Equal(["a", "b"], events.Select(e => e.Object.Metadata.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Bookmarks_carry_the_current_resource_version()
    {
        var list = await Client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: Ct);
        var events = Collect<V1Pod>((e, r, c) => Client.CoreV1.WatchListNamespacedPod("default", allowWatchBookmarks: true,
            resourceVersion: list.Metadata.ResourceVersion, onEvent: e, onError: r, onClosed: c), out _);
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "unrelated" } }, "default", cancellationToken: Ct);
        var afterWrite = Fake.ResourceVersion;

        await KubeApiFake.WaitUntilAsync(() => events.Any(e => e.Type == WatchEventType.Bookmark && long.Parse(e.Object.Metadata.ResourceVersion) >= afterWrite),
            Wait, "a bookmark at the latest resourceVersion", Ct);

        Assert.All(events, e => Assert.Equal(WatchEventType.Bookmark, e.Type));
    }

    [Fact]
    public async Task A_resource_version_older_than_the_history_window_gets_an_error_event_with_410()
    {
        Fake.HistoryLimit = 2;
        var list = await Client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: Ct);
        for (var i = 0; i < 4; i++)
        {
            await Client.CoreV1.CreateNamespacedPodAsync(Pod($"p{i}"), "default", cancellationToken: Ct);
        }

        var errors = new ConcurrentQueue<Exception>();
        var events = Collect<V1Pod>((e, r, c) => Client.CoreV1.WatchListNamespacedPod("default", resourceVersion: list.Metadata.ResourceVersion, onEvent: e, onError: r, onClosed: c), out var closed, errors);
        await closed.WaitAsync(Wait, Ct);

        var error = Assert.IsType<KubernetesException>(Assert.Single(errors));
        Assert.Equal(410, error.Status.Code);
        Assert.Equal("Expired", error.Status.Reason);
        Assert.Empty(events);

        var recent = Collect<V1Pod>((e, r, c) => Client.CoreV1.WatchListNamespacedPod("default", resourceVersion: Fake.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), onEvent: e, onError: r, onClosed: c), out _);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("fresh"), "default", cancellationToken: Ct);
        await KubeApiFake.WaitUntilAsync(() => recent.Count == 1, Wait, "the fresh pod event", Ct);
    }

    [Fact]
    public async Task A_bound_pod_is_seen_terminating_before_it_is_deleted()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("bound", nodeName: "node-1"), "default", cancellationToken: Ct);
        var events = Collect<V1Pod>((e, r, c) => Client.CoreV1.WatchListNamespacedPod("default", resourceVersion: Fake.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
            onEvent: e, onError: r, onClosed: c), out _);
        await KubeApiFake.WaitUntilAsync(() => Fake.OpenWatches == 1, Wait, "the watch is open", Ct);

        await Client.CoreV1.DeleteNamespacedPodAsync("bound", "default", gracePeriodSeconds: 5, cancellationToken: Ct);
        await KubeApiFake.WaitUntilAsync(() => events.Count >= 2, Wait, "two events", Ct);

        Assert.Equal([WatchEventType.Modified, WatchEventType.Deleted], events.Select(e => e.Type));
        Assert.Equal(5, events.First().Object.Metadata.DeletionGracePeriodSeconds);
        Assert.NotNull(events.Last().Object.Metadata.DeletionTimestamp);
    }

    [Fact]
    public async Task Dropping_watches_closes_them()
    {
        var events = Collect<V1Pod>((e, r, c) => Client.CoreV1.WatchListNamespacedPod("default", onEvent: e, onError: r, onClosed: c), out var done);
        await KubeApiFake.WaitUntilAsync(() => Fake.OpenWatches == 1, Wait, "the watch is open", Ct);

        Fake.DropWatches();

        await done.WaitAsync(Wait, Ct);
        await KubeApiFake.WaitUntilAsync(() => Fake.OpenWatches == 0, Wait, "no watch is open", Ct);
        Assert.Empty(events);
    }

    [Fact]
    public async Task Timeout_seconds_ends_the_watch()
    {
        var events = Collect<V1Pod>((e, r, c) => Client.CoreV1.WatchListNamespacedPod("default", timeoutSeconds: 1, onEvent: e, onError: r, onClosed: c), out var done);

        await done.WaitAsync(Wait, Ct);

        Assert.Empty(events);
    }

    [Fact]
    public async Task A_label_selected_watch_sees_objects_enter_and_leave_the_selection()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("p", new() { ["app"] = "web" }), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("other", new() { ["app"] = "db" }), "default", cancellationToken: Ct);
        var events = Collect<V1Pod>((e, r, c) => Client.CoreV1.WatchListNamespacedPod("default", labelSelector: "app=web", onEvent: e, onError: r, onClosed: c), out _);
        await KubeApiFake.WaitUntilAsync(() => events.Count == 1, Wait, "the initial event", Ct);

        Fake.Modify<V1Pod>("default", "p", p => p.Metadata.Labels["app"] = "db");
        Fake.Modify<V1Pod>("default", "other", p => p.Metadata.Labels["app"] = "cache");
        Fake.Modify<V1Pod>("default", "p", p => p.Metadata.Labels["app"] = "web");
        await KubeApiFake.WaitUntilAsync(() => events.Count >= 3, Wait, "three events", Ct);

        Assert.Equal([WatchEventType.Added, WatchEventType.Deleted, WatchEventType.Added], events.Select(e => e.Type));
        Assert.All(events, e => Assert.Equal("p", e.Object.Metadata.Name));
    }

    [Fact]
    public async Task Custom_resources_can_be_watched_across_namespaces()
    {
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "other" } }, cancellationToken: Ct);
        var events = Collect<object>((e, r, c) => Client.CustomObjects.WatchListCustomObjectForAllNamespaces(Group, Version, Widgets, onEvent: e, onError: r, onClosed: c), out _);
        await KubeApiFake.WaitUntilAsync(() => Fake.OpenWatches == 1, Wait, "the watch is open", Ct);

        await CreateWidgetAsync(Widget("w1"));
        await CreateWidgetAsync(Widget("w2"), "other");
        await KubeApiFake.WaitUntilAsync(() => events.Count >= 2, Wait, "two events", Ct);

        Assert.Equal(["default/w1", "other/w2"], events.Select(e => AsJson(e.Object)).Select(o => o["metadata"]!["namespace"] + "/" + o["metadata"]!["name"]));
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        await base.DisposeAsync();
    }

    /// <summary>Starts a watch with the client's <c>WatchList...</c> API and collects its events.</summary>
    private ConcurrentQueue<(WatchEventType Type, T Object)> Collect<T>(Func<Action<WatchEventType, T>, Action<Exception>, Action, Watcher<T>> start,
        out Task closed, ConcurrentQueue<Exception>? errors = null)
    {
        var events = new ConcurrentQueue<(WatchEventType, T)>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _watchers.Add(start((type, obj) => events.Enqueue((type, obj)), e => errors?.Enqueue(e), () => done.TrySetResult()));
        closed = done.Task;
        return events;
    }
}
