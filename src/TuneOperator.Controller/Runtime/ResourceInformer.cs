using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace TuneOperator.Controller.Runtime;

/// <summary>
/// Keeps an in-memory cache of one kind in step with the API server: a paged list, then a watch from the list's
/// resourceVersion with bookmarks. A watch that ends is reopened from the last resourceVersion seen; a 410 Expired
/// (the version is too old) relists and synthesizes deletes for objects that vanished meanwhile; a watchdog reopens
/// a watch that stays silent. managedFields are dropped from cached objects to save memory, and an optional transform
/// slims each object further before it is cached and handed to the handlers.
/// </summary>
public sealed class ResourceInformer<T> : IResourceInformer
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IListWatchClient<T> client;
    private readonly ResourceInformerOptions options;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly Func<T, T>? transform;
    private readonly List<IResourceEventHandler<T>> handlers = [];
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string resourceVersion = string.Empty;

    /// <summary>Creates an informer; call <see cref="RunAsync"/> to start it.</summary>
    /// <param name="client">Lists and watches the kind.</param>
    /// <param name="name">The informer's name in logs and readiness.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="options">Paging, watch and retry tuning.</param>
    /// <param name="timeProvider">The clock (the system clock when null).</param>
    /// <param name="transform">
    /// Applied to every listed or watched object before it is cached (for example to drop fields nobody reads); it
    /// may return the same instance or a new one, which must keep the name, namespace, owner references and resourceVersion.
    /// </param>
    public ResourceInformer(
        IListWatchClient<T> client, string name, ILogger logger, ResourceInformerOptions? options = null, TimeProvider? timeProvider = null,
        Func<T, T>? transform = null)
    {
        this.transform = transform;
        this.client = client;
        Name = name;
        this.logger = logger;
        this.options = options ?? new ResourceInformerOptions();
        time = timeProvider ?? TimeProvider.System;
        if (this.options.PageSize <= 0)
        {
            throw new ArgumentException("ResourceInformerOptions.PageSize must be positive.", nameof(options));
        }
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>The cached objects.</summary>
    public ResourceCache<T> Cache { get; } = new();

    /// <inheritdoc />
    public bool HasSynced => ready.Task.IsCompleted;

    /// <summary>The resourceVersion the informer would watch from next.</summary>
    public string LastResourceVersion => Volatile.Read(ref resourceVersion);

    /// <summary>How many full lists the informer has done (the first one included).</summary>
    public int ListCount { get; private set; }

    /// <summary>Adds a handler; add handlers before <see cref="RunAsync"/>.</summary>
    public void AddHandler(IResourceEventHandler<T> handler)
    {
        lock (handlers)
        {
            handlers.Add(handler);
        }
    }

    /// <inheritdoc />
    public Task ReadyAsync(CancellationToken cancellationToken) => ready.Task.WaitAsync(cancellationToken);

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var needList = true;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    await ListAndReplaceAsync(cancellationToken);
                    needList = false;
                    ready.TrySetResult();
                }

                var outcome = await WatchAsync(cancellationToken);
                failures = 0;
                if (outcome == WatchOutcome.Expired)
                {
                    Log.WatchExpired(logger, Name, LastResourceVersion);
                    needList = true;
                }
                else if (outcome == WatchOutcome.Silent)
                {
                    Log.WatchSilent(logger, Name, options.WatchdogTimeout);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.Gone)
            {
                Log.WatchExpired(logger, Name, LastResourceVersion);
                needList = true;
            }
            catch (Exception ex)
            {
                failures++;
                var delay = RetryDelay(failures);
                Log.ListWatchFailed(logger, ex, Name, delay);
                try
                {
                    await Task.Delay(delay, time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private TimeSpan RetryDelay(int failures)
    {
        var ticks = options.RetryDelay.Ticks * Math.Pow(2, Math.Min(failures - 1, 30));
        return ticks >= options.MaxRetryDelay.Ticks ? options.MaxRetryDelay : TimeSpan.FromTicks((long)ticks);
    }

    private async Task ListAndReplaceAsync(CancellationToken cancellationToken)
    {
        var listed = new Dictionary<NamespacedName, T>();
        string? continueToken = null;
        string listVersion;
        do
        {
            ResourceListPage<T> page;
            try
            {
                page = await client.ListAsync(continueToken, options.PageSize, cancellationToken);
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.Gone && continueToken is not null)
            {
                // The continue token expired between pages: start the list again.
                listed.Clear();
                continueToken = null;
                continue;
            }

            foreach (var listedItem in page.Items)
            {
                var item = Trim(listedItem);
                listed[NamespacedName.Of(item)] = item;
            }

            listVersion = page.ResourceVersion;
            continueToken = string.IsNullOrEmpty(page.Continue) ? null : page.Continue;
            if (continueToken is null)
            {
                break;
            }
        }
        while (true);

        foreach (var key in Cache.Keys())
        {
            if (!listed.ContainsKey(key) && Cache.Remove(key) is { } vanished)
            {
                Dispatch(handler => handler.OnDelete(vanished));
            }
        }

        foreach (var item in listed.Values)
        {
            var old = Cache.Upsert(item);
            if (old is null)
            {
                Dispatch(handler => handler.OnAdd(item));
            }
            else if (old.Metadata.ResourceVersion != item.Metadata.ResourceVersion)
            {
                Dispatch(handler => handler.OnUpdate(old, item));
            }
        }

        Volatile.Write(ref resourceVersion, listVersion);
        ListCount++;
        Log.Listed(logger, Name, listed.Count, listVersion);
    }

    private async Task<WatchOutcome> WatchAsync(CancellationToken cancellationToken)
    {
        Exception? serverError = null;
        using var watchdog = new CancellationTokenSource(options.WatchdogTimeout, time);
        using var link = cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), watchdog);
        try
        {
            var events = client.WatchAsync(
                LastResourceVersion,
                options.WatchTimeout,
                error =>
                {
                    serverError = error;
                    Log.WatchEventFailed(logger, error, Name);
                },
                watchdog.Token);
            await foreach (var (type, obj, version) in events)
            {
                watchdog.CancelAfter(options.WatchdogTimeout);
                Apply(type, obj, version);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && watchdog.IsCancellationRequested)
        {
            return WatchOutcome.Silent;
        }

        if (serverError is KubernetesException { Status.Code: (int)HttpStatusCode.Gone })
        {
            return WatchOutcome.Expired;
        }

        if (serverError is not null)
        {
            throw serverError;
        }

        return WatchOutcome.Closed;
    }

    private void Apply(WatchEventType type, T? watched, string version)
    {
        switch (type)
        {
            case WatchEventType.Added when watched is not null:
            case WatchEventType.Modified when watched is not null:
                {
                    var obj = Trim(watched);
                    var old = Cache.Upsert(obj);
                    if (old is null)
                    {
                        Dispatch(handler => handler.OnAdd(obj));
                    }
                    else
                    {
                        Dispatch(handler => handler.OnUpdate(old, obj));
                    }

                    break;
                }

            case WatchEventType.Deleted when watched is not null:
                {
                    var obj = Trim(watched);
                    var removed = Cache.Remove(NamespacedName.Of(obj));
                    Dispatch(handler => handler.OnDelete(removed ?? obj));
                    break;
                }

            case WatchEventType.Bookmark:
                break;
            default:
                return;
        }

        if (!string.IsNullOrEmpty(version))
        {
            Volatile.Write(ref resourceVersion, version);
        }
    }

    private T Trim(T obj)
    {
        if (obj.Metadata is not null)
        {
            obj.Metadata.ManagedFields = null;
        }

        return transform is null ? obj : transform(obj);
    }

    private void Dispatch(Action<IResourceEventHandler<T>> call)
    {
        IResourceEventHandler<T>[] current;
        lock (handlers)
        {
            current = [.. handlers];
        }

        foreach (var handler in current)
        {
            try
            {
                call(handler);
            }
            catch (Exception ex)
            {
                Log.HandlerFailed(logger, ex, Name);
            }
        }
    }

    private enum WatchOutcome
    {
        Closed,
        Expired,
        Silent,
    }
}
