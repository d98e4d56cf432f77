using System.Collections.Concurrent;
using System.Diagnostics;
using k8s;
using k8s.Models;
using TuneOperator.Api;

namespace TuneOperator.Bench.Operator;

/// <summary>
/// Watches the operator's trainer pods through the real client and records, per owning FineTuneJob, the moment
/// (a <see cref="Stopwatch"/> timestamp) its first pod was seen. Reconnects when a watch ends.
/// </summary>
internal sealed class PodWatcher(IKubernetes client) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, long> firstPodSeen = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stop = new();
    private Task? loop;

    /// <summary>The number of jobs that have a pod.</summary>
    public int Count => firstPodSeen.Count;

    /// <summary>Watch (re)connections after the first.</summary>
    public int Reconnects { get; private set; }

    /// <summary>Starts watching.</summary>
    public void Start() => loop = RunAsync(stop.Token);

    /// <summary>When the job's first pod was seen, if it was.</summary>
    public bool TryGetFirstPod(string job, out long timestamp) => firstPodSeen.TryGetValue(job, out timestamp);

    /// <summary>Stops watching.</summary>
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (loop is not null)
        {
            try
            {
                await loop;
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }

        stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var first = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!first)
            {
                Reconnects++;
            }

            first = false;
            try
            {
                var response = client.CoreV1.ListPodForAllNamespacesWithHttpMessagesAsync(
                    labelSelector: "app.kubernetes.io/managed-by=tune-operator", watch: true, cancellationToken: cancellationToken);
                // The typed overload deserializes each event once, as the operator's own informers do.
#pragma warning disable CS0618
                var events = response.WatchAsync<V1Pod, V1PodList>(cancellationToken: cancellationToken);
#pragma warning restore CS0618
                await foreach (var (type, pod) in events)
                {
                    if (type is WatchEventType.Added or WatchEventType.Modified)
                    {
                        var now = Stopwatch.GetTimestamp();
                        var owner = pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true && o.Kind == FineTuneJob.KindName);
                        if (owner is not null)
                        {
                            firstPodSeen.TryAdd(pod.Metadata.NamespaceProperty + "/" + owner.Name, now);
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }
}
