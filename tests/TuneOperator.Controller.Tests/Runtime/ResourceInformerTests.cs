using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using TuneOperator.Api;
using TuneOperator.Controller.Runtime;
using TuneOperator.Testing.Kube;
using Xunit;
using ControllerResourceType = TuneOperator.Controller.Runtime.ResourceType;

namespace TuneOperator.Controller.Tests.Runtime;

public sealed class ResourceInformerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static V1Pod NewPod(string name, string? ownerUid = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = "default",
            OwnerReferences = ownerUid is null ? null : [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner", Uid = ownerUid }],
        },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "busybox" }] },
    };

    private static ResourceInformer<V1Pod> PodInformer(IKubernetes client, ResourceInformerOptions? options = null) =>
        new(new KubernetesListWatchClient<V1Pod>(client.Api(), ControllerResourceType.Pods, "default"), "pods/default", NullLogger.Instance,
            options ?? new ResourceInformerOptions { PageSize = 2, RetryDelay = TimeSpan.FromMilliseconds(10) });

    [Fact]
    public async Task Lists_in_pages_then_follows_the_watch_and_drops_managed_fields()
    {
        await using var fake = await KubeApiFake.StartAsync(cancellationToken: Ct);
        using var client = fake.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            await client.CoreV1.CreateNamespacedPodAsync(NewPod($"p{i}", ownerUid: i < 2 ? "owner-1" : null), "default", cancellationToken: Ct);
        }

        var informer = PodInformer(client);
        var seen = new EventLog();
        informer.AddHandler(seen);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = informer.RunAsync(stop.Token);
        await informer.ReadyAsync(Ct);

        Assert.Equal(5, informer.Cache.Count);
        Assert.True(informer.HasSynced);
        Assert.True(fake.Requests.Count("list", "pods") >= 3);
        Assert.Equal(["p0", "p1"], informer.Cache.ListByOwner("owner-1").Select(p => p.Metadata.Name).Order());

        await client.CoreV1.CreateNamespacedPodAsync(NewPod("p5"), "default", cancellationToken: Ct);
        fake.Modify<V1Pod>("default", "p1", pod => pod.Status = new V1PodStatus { Phase = "Running" });
        await client.CoreV1.DeleteNamespacedPodAsync("p0", "default", cancellationToken: Ct);
        await KubeApiFake.WaitUntilAsync(
            () => informer.Cache.Get(new NamespacedName("default", "p1"))?.Status?.Phase == "Running"
                && informer.Cache.Get(new NamespacedName("default", "p0")) is null
                && informer.Cache.Get(new NamespacedName("default", "p5")) is not null,
            Wait, "the cache follows the watch", Ct);

        Assert.Equal(["p1"], informer.Cache.ListByOwner("owner-1").Select(p => p.Metadata.Name));
        Assert.All(informer.Cache.List(), pod => Assert.Null(pod.Metadata.ManagedFields));
        Assert.Contains("add p5", seen.Entries);
        Assert.Contains("update p1", seen.Entries);
        Assert.Contains("delete p0", seen.Entries);
        Assert.Equal(1, informer.ListCount);

        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_dropped_watch_is_reopened_from_the_last_resource_version_without_missing_changes()
    {
        await using var fake = await KubeApiFake.StartAsync(cancellationToken: Ct);
        using var client = fake.CreateClient();
        var informer = PodInformer(client);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = informer.RunAsync(stop.Token);
        await informer.ReadyAsync(Ct);

        var watchFault = fake.Faults.Add(FaultRule.Errors(500, verb: "watch", resource: "pods"));
        fake.DropWatches(abort: true);
        await client.CoreV1.CreateNamespacedPodAsync(NewPod("while-down"), "default", cancellationToken: Ct);
        await KubeApiFake.WaitUntilAsync(() => watchFault.Injected >= 1, Wait, "the informer retried the watch", Ct);
        fake.Faults.Remove(watchFault);

        await KubeApiFake.WaitUntilAsync(() => informer.Cache.Get(new NamespacedName("default", "while-down")) is not null, Wait, "the change made while the watch was down arrives", Ct);
        Assert.Equal(1, informer.ListCount);

        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task An_expired_resource_version_relists_and_synthesizes_deletes_for_vanished_objects()
    {
        await using var fake = await KubeApiFake.StartAsync(cancellationToken: Ct);
        using var client = fake.CreateClient();
        await client.CoreV1.CreateNamespacedPodAsync(NewPod("stays"), "default", cancellationToken: Ct);
        await client.CoreV1.CreateNamespacedPodAsync(NewPod("vanishes"), "default", cancellationToken: Ct);
        var informer = PodInformer(client);
        var seen = new EventLog();
        informer.AddHandler(seen);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = informer.RunAsync(stop.Token);
        await informer.ReadyAsync(Ct);

        var watchFault = fake.Faults.Add(FaultRule.Errors(503, verb: "watch", resource: "pods"));
        fake.DropWatches(abort: true);
        await KubeApiFake.WaitUntilAsync(() => watchFault.Injected >= 1, Wait, "the informer retried the watch", Ct);
        Assert.True(fake.ForceRemove(fake.TypeOf<V1Pod>(), "default", "vanishes"));
        await client.CoreV1.CreateNamespacedPodAsync(NewPod("appeared"), "default", cancellationToken: Ct);
        fake.CompactHistory();
        fake.Faults.Remove(watchFault);

        await KubeApiFake.WaitUntilAsync(() => informer.ListCount == 2 && informer.Cache.Count == 2, Wait, "the informer relisted", Ct);
        Assert.Equal(["appeared", "stays"], informer.Cache.List().Select(p => p.Metadata.Name).Order());
        Assert.Contains("delete vanishes", seen.Entries);
        Assert.Contains("add appeared", seen.Entries);

        await client.CoreV1.CreateNamespacedPodAsync(NewPod("after"), "default", cancellationToken: Ct);
        await KubeApiFake.WaitUntilAsync(() => informer.Cache.Count == 3, Wait, "the watch resumed after the relist", Ct);

        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task The_watchdog_reconnects_a_silent_watch()
    {
        await using var fake = await KubeApiFake.StartAsync(new KubeApiFakeOptions { BookmarkInterval = TimeSpan.FromHours(1) }, Ct);
        using var client = fake.CreateClient();
        var informer = PodInformer(client, new ResourceInformerOptions { WatchdogTimeout = TimeSpan.FromMilliseconds(200), RetryDelay = TimeSpan.FromMilliseconds(10) });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = informer.RunAsync(stop.Token);
        await informer.ReadyAsync(Ct);

        await KubeApiFake.WaitUntilAsync(() => fake.Requests.Count("watch", "pods") >= 3, Wait, "the silent watch was reopened", Ct);
        await client.CoreV1.CreateNamespacedPodAsync(NewPod("later"), "default", cancellationToken: Ct);
        await KubeApiFake.WaitUntilAsync(() => informer.Cache.Count == 1, Wait, "events still arrive", Ct);
        Assert.Equal(1, informer.ListCount);

        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Custom_resources_are_listed_and_watched_as_typed_objects()
    {
        await using var fake = await CrdFake.StartAsync();
        using var client = fake.CreateClient();
        var type = new ControllerResourceType(ApiGroup.Group, ApiGroup.Version, FineTuneJob.Plural);
        var informer = new ResourceInformer<FineTuneJob>(new KubernetesListWatchClient<FineTuneJob>(client.Api(), type), "finetunejobs", NullLogger.Instance);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = informer.RunAsync(stop.Token);
        await informer.ReadyAsync(Ct);

        var job = new FineTuneJob
        {
            Metadata = new V1ObjectMeta { Name = "sft", NamespaceProperty = "default" },
            Spec = new FineTuneJobSpec
            {
                Model = new ModelSpec { Source = "pvc://models/base" },
                Dataset = new DatasetSpec { Train = "pvc://data/train.jsonl" },
                Output = new OutputSpec { Location = "pvc://results/sft" },
            },
        };
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(job, ApiGroup.Group, ApiGroup.Version, "default", FineTuneJob.Plural, cancellationToken: Ct);

        await KubeApiFake.WaitUntilAsync(() => informer.Cache.Count == 1, Wait, "the job is cached", Ct);
        var cached = informer.Cache.Get(new NamespacedName("default", "sft"))!;
        Assert.Equal("pvc://results/sft", cached.Spec.Output.Location);
        Assert.False(string.IsNullOrEmpty(cached.Metadata.Uid));

        await stop.CancelAsync();
        await run;
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TuneOperator.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("TuneOperator.sln not found above the test directory.");
    }

    private sealed class EventLog : IResourceEventHandler<V1Pod>
    {
        private readonly List<string> entries = [];

        public IReadOnlyList<string> Entries
        {
            get
            {
                lock (entries)
                {
                    return [.. entries];
                }
            }
        }

        public void OnAdd(V1Pod obj) => Record("add " + obj.Metadata.Name);

        public void OnUpdate(V1Pod oldObj, V1Pod newObj) => Record("update " + newObj.Metadata.Name);

        public void OnDelete(V1Pod obj) => Record("delete " + obj.Metadata.Name);

        private void Record(string entry)
        {
            lock (entries)
            {
                entries.Add(entry);
            }
        }
    }
}
