using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TuneOperator.Testing.Kube;

/// <summary>
/// A Kubernetes API server fake served over real HTTP (Kestrel on 127.0.0.1, a free port) for the real KubernetesClient.
/// It stores any built-in or CRD-defined kind and emulates the kube-apiserver behaviour controllers depend on;
/// see README.md next to this file for what it does not emulate.
/// </summary>
public sealed class KubeApiFake : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly KubeStore _store;

    private KubeApiFake(WebApplication app, KubeStore store, ResourceRegistry registry, FaultInjector faults, RequestCounter requests, KubeApiFakeOptions options, string url)
    {
        _app = app;
        _store = store;
        Resources = registry;
        Faults = faults;
        Requests = requests;
        Options = options;
        Url = url;
    }

    /// <summary>The base URL, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Url { get; }

    /// <summary>The settings it runs with.</summary>
    public KubeApiFakeOptions Options { get; }

    /// <summary>The served resources (built-ins and those of registered CRDs).</summary>
    public ResourceRegistry Resources { get; }

    /// <summary>Fault injection: errors, conflicts and latency for selected verbs and resources.</summary>
    public FaultInjector Faults { get; }

    /// <summary>Counts of requests received, by verb and resource.</summary>
    public RequestCounter Requests { get; }

    /// <summary>The current global resourceVersion (bumped by every write).</summary>
    public long ResourceVersion => _store.ResourceVersion;

    /// <summary>How many watches are open.</summary>
    public int OpenWatches => _store.OpenWatches;

    /// <summary>How many objects are stored, of all kinds.</summary>
    public int ObjectCount => _store.Count;

    /// <summary>How many changes the watch history keeps; lower it to make 410 Expired happen sooner.</summary>
    public int HistoryLimit
    {
        get => _store.HistoryLimit;
        set => _store.HistoryLimit = value;
    }

    /// <summary>Validates custom resources on create and update (the CRD's schema and CEL rules); null accepts everything.</summary>
    public CustomResourceValidator? CustomResourceValidator
    {
        get => _store.Validator;
        set => _store.Validator = value;
    }

    /// <summary>Starts a fake on a free loopback port.</summary>
    /// <param name="options">Settings; null for defaults.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<KubeApiFake> StartAsync(KubeApiFakeOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new KubeApiFakeOptions();
        var registry = new ResourceRegistry();
        var store = new KubeStore(registry, options);
        var faults = new FaultInjector(options.Seed, options.TimeProvider);
        var requests = new RequestCounter();
        var handler = new KubeApiHandler(store, registry, faults, requests, options);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(handler.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new KubeApiFake(app, store, registry, faults, requests, options, address.TrimEnd('/'));
    }

    /// <summary>A real KubernetesClient pointed at this fake. The caller disposes it.</summary>
    public Kubernetes CreateClient() => new(new KubernetesClientConfiguration { Host = Url });

    /// <summary>
    /// Writes <c>kubeconfig</c> into <paramref name="directory"/> for a separate process (an operator under test or
    /// benchmark) to reach this fake: one cluster, a bearer token named after <paramref name="user"/>, namespace
    /// <c>default</c>. Returns the file's path.
    /// </summary>
    public string WriteKubeconfig(string directory, string user)
    {
        var path = Path.Combine(directory, "kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: {Url}
            users:
            - name: {user}
              user:
                token: {user}
            contexts:
            - name: fake
              context:
                cluster: fake
                user: {user}
                namespace: default
            current-context: fake
            """);
        return path;
    }

    /// <summary>Closes every open watch now; with <paramref name="abort"/> the connections are reset instead of ended cleanly.</summary>
    /// <param name="abort">Reset the TCP connections rather than finishing the responses.</param>
    public void DropWatches(bool abort = false) => _store.DropWatches(abort);

    /// <summary>Forgets the watch history: watches and continue tokens from any earlier resourceVersion get 410 Expired.</summary>
    public void CompactHistory() => _store.Compact();

    /// <summary>Finds a served resource by group, version and plural; throws when it is not served.</summary>
    /// <param name="group">The group, empty for core.</param>
    /// <param name="version">The version.</param>
    /// <param name="plural">The plural.</param>
    public ResourceType Resource(string group, string version, string plural) =>
        Resources.Find(group, version, plural) ?? throw new ArgumentException($"The fake does not serve {group}/{version}/{plural}; register its CRD first.", nameof(plural));

    /// <summary>Registers a CustomResourceDefinition (as a POST would) so that its resources are served.</summary>
    /// <param name="crd">The CRD object.</param>
    public JsonObject RegisterCustomResourceDefinition(JsonObject crd) =>
        _store.Create(ResourceRegistry.CustomResourceDefinitions, "", crd, dryRun: false);

    /// <summary>Registers every CustomResourceDefinition in a YAML text (multi-document); other kinds are ignored.</summary>
    /// <param name="yaml">The manifests.</param>
    /// <returns>The registered CRDs.</returns>
    public IReadOnlyList<JsonObject> RegisterCustomResourceDefinitions(string yaml) =>
        [.. YamlJson.ParseDocuments(yaml).OfType<JsonObject>()
            .Where(d => d["kind"]?.GetValue<string>() == "CustomResourceDefinition")
            .Select(RegisterCustomResourceDefinition)];

    /// <summary>Registers the CRDs in every <c>*.yaml</c>/<c>*.yml</c> file of a folder (e.g. the repository's <c>crds/</c>).</summary>
    /// <param name="directory">The folder.</param>
    /// <param name="cancellationToken">Cancels reading.</param>
    public async Task<IReadOnlyList<JsonObject>> LoadCustomResourceDefinitionsAsync(string directory, CancellationToken cancellationToken = default)
    {
        var registered = new List<JsonObject>();
        foreach (var file in Directory.EnumerateFiles(directory).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            registered.AddRange(RegisterCustomResourceDefinitions(await File.ReadAllTextAsync(file, cancellationToken)));
        }

        return registered;
    }

    /// <summary>Reads a stored object, or null.</summary>
    /// <param name="type">The resource.</param>
    /// <param name="ns">The namespace; ignored for cluster-scoped resources.</param>
    /// <param name="name">The name.</param>
    public JsonObject? Get(ResourceType type, string? ns, string name) => _store.Get(type, ns ?? "", name);

    /// <summary>Lists stored objects of a resource, optionally in one namespace and matching a label selector.</summary>
    /// <param name="type">The resource.</param>
    /// <param name="ns">The namespace, or null for all.</param>
    /// <param name="labelSelector">A label selector, or null.</param>
    public IReadOnlyList<JsonObject> List(ResourceType type, string? ns = null, string? labelSelector = null) =>
        [.. _store.List(type, ns, LabelSelector.Parse(labelSelector), FieldSelector.Everything, 0, null).Items.Select(KubeStore.Parse)];

    /// <summary>
    /// Writes an object directly, as a kubelet or a test would: creates it or replaces it including its status, with no
    /// resourceVersion precondition and no validation. Watches see the change; generation and deletion rules still apply.
    /// </summary>
    /// <param name="type">The resource.</param>
    /// <param name="obj">The object; its metadata.namespace (default <c>default</c>) and metadata.name locate it.</param>
    public JsonObject Put(ResourceType type, JsonObject obj) => _store.Put(type, obj);

    /// <summary>Reads, changes and writes back an object (status included) as a kubelet would; throws when it does not exist.</summary>
    /// <param name="type">The resource.</param>
    /// <param name="ns">The namespace.</param>
    /// <param name="name">The name.</param>
    /// <param name="change">Changes the object in place.</param>
    public JsonObject Modify(ResourceType type, string? ns, string name, Action<JsonObject> change)
    {
        var obj = _store.GetOrThrow(type, ns ?? "", name);
        change(obj);
        return _store.Put(type, obj);
    }

    /// <summary>Removes an object at once, ignoring finalizers and grace periods; dependents are still garbage-collected.</summary>
    /// <param name="type">The resource.</param>
    /// <param name="ns">The namespace.</param>
    /// <param name="name">The name.</param>
    /// <returns>Whether it existed.</returns>
    public bool ForceRemove(ResourceType type, string? ns, string name) => _store.ForceRemove(type, ns ?? "", name);

    /// <summary>Confirms a graceful Pod deletion as the kubelet does once the containers stopped; the Pod goes when it has no finalizers.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="name">The Pod's name.</param>
    public void FinishPodTermination(string ns, string name)
    {
        if (_store.Get(ResourceRegistry.Pods, ns, name)?["metadata"]?["uid"]?.GetValue<string>() is { } uid)
        {
            _store.FinishPodTermination(ns, name, uid);
        }
    }

    /// <summary>Reads a stored object as a KubernetesClient model, or null.</summary>
    /// <typeparam name="T">A model with <see cref="KubernetesEntityAttribute"/>, e.g. <c>V1Pod</c>.</typeparam>
    /// <param name="ns">The namespace; ignored for cluster-scoped kinds.</param>
    /// <param name="name">The name.</param>
    public T? Get<T>(string? ns, string name)
        where T : class, IKubernetesObject =>
        Get(TypeOf<T>(), ns, name) is { } obj ? KubernetesJson.Deserialize<T>(obj.ToJsonString()) : null;

    /// <summary>Lists stored objects as KubernetesClient models.</summary>
    /// <typeparam name="T">A model with <see cref="KubernetesEntityAttribute"/>.</typeparam>
    /// <param name="ns">The namespace, or null for all.</param>
    /// <param name="labelSelector">A label selector, or null.</param>
    public IReadOnlyList<T> List<T>(string? ns = null, string? labelSelector = null)
        where T : class, IKubernetesObject =>
        [.. List(TypeOf<T>(), ns, labelSelector).Select(o => KubernetesJson.Deserialize<T>(o.ToJsonString()))];

    /// <summary>Writes a KubernetesClient model directly (see <see cref="Put(ResourceType, JsonObject)"/>).</summary>
    /// <typeparam name="T">A model with <see cref="KubernetesEntityAttribute"/>.</typeparam>
    /// <param name="obj">The object.</param>
    public T Put<T>(T obj)
        where T : class, IKubernetesObject =>
        KubernetesJson.Deserialize<T>(Put(TypeOf<T>(), JsonNode.Parse(KubernetesJson.Serialize(obj))!.AsObject()).ToJsonString());

    /// <summary>Reads, changes and writes back a model, status included, as a kubelet would (e.g. to set a Pod's phase).</summary>
    /// <typeparam name="T">A model with <see cref="KubernetesEntityAttribute"/>.</typeparam>
    /// <param name="ns">The namespace.</param>
    /// <param name="name">The name.</param>
    /// <param name="change">Changes the object in place.</param>
    public T Modify<T>(string? ns, string name, Action<T> change)
        where T : class, IKubernetesObject
    {
        var obj = Get<T>(ns, name) ?? throw new InvalidOperationException($"{typeof(T).Name} {ns}/{name} does not exist in the fake.");
        change(obj);
        return Put(obj);
    }

    /// <summary>Waits until a condition holds, polling every 10 ms; throws <see cref="TimeoutException"/> naming it otherwise.</summary>
    /// <param name="condition">The condition.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="description">What is awaited, for the timeout message.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string description, CancellationToken cancellationToken = default)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(timeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (!condition())
        {
            if (TimeProvider.System.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.###} s waiting until {description}.");
            }

            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>Waits until a stored object exists and satisfies a condition; returns it.</summary>
    /// <typeparam name="T">A model with <see cref="KubernetesEntityAttribute"/>.</typeparam>
    /// <param name="ns">The namespace.</param>
    /// <param name="name">The name.</param>
    /// <param name="condition">The condition.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async Task<T> WaitForAsync<T>(string? ns, string name, Func<T, bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        T? found = null;
        await WaitUntilAsync(() => (found = Get<T>(ns, name)) is not null && condition(found), timeout,
            $"{typeof(T).Name} {ns}/{name} exists and satisfies the condition", cancellationToken);
        return found!;
    }

    /// <summary>Waits until a stored object is gone.</summary>
    /// <param name="type">The resource.</param>
    /// <param name="ns">The namespace.</param>
    /// <param name="name">The name.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public Task WaitForDeletionAsync(ResourceType type, string? ns, string name, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitUntilAsync(() => Get(type, ns, name) is null, timeout, $"{type.GroupResource} {ns}/{name} is deleted", cancellationToken);

    /// <summary>The resource served for a KubernetesClient model type.</summary>
    /// <typeparam name="T">A model with <see cref="KubernetesEntityAttribute"/>.</typeparam>
    public ResourceType TypeOf<T>()
    {
        var entity = typeof(T).GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new ArgumentException($"{typeof(T).Name} has no [KubernetesEntity] attribute; use the JsonObject overloads.");
        return Resource(entity.Group ?? "", entity.ApiVersion, entity.PluralName);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _store.DropWatches(abort: false);
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
