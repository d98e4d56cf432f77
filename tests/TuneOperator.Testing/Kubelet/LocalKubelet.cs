using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace TuneOperator.Testing.Kubelet;

/// <summary>
/// A node of the fake cluster that runs Pods as local processes, behaving like a kubelet (and the default scheduler)
/// wherever the operator depends on one. It talks to the API server only through the real KubernetesClient: it
/// registers a Ready Node, watches Pods, binds schedulable ones to itself, starts their containers (images mapped to
/// local programs by <see cref="LocalKubeletOptions.Images"/>), writes their status through the <c>/status</c>
/// subresource, runs readiness probes, terminates deleted Pods gracefully and confirms the deletion. Each Pod gets
/// its own loopback address, so every Pod can listen on the same ports. Disposing kills every process.
/// </summary>
/// <remarks>
/// Use it with a <c>KubeApiFake</c> started with <c>PodTerminationDelay = Timeout.InfiniteTimeSpan</c>, so that deleted
/// Pods wait for this kubelet to stop their containers, as on a real cluster. Linux only (signals, process groups).
/// </remarks>
public sealed partial class LocalKubelet : IAsyncDisposable
{
    private static readonly HashSet<string> OwnedConditions = ["PodScheduled", "Initialized", "ContainersReady", "Ready"];

    private readonly Kubernetes _client;
    private readonly LocalKubeletOptions _options;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly Probes _probes;
    private readonly string _setsid;
    private readonly bool _ownsWorkDirectory;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, PodRuntime> _pods = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Namespace, string Name), PodRuntime> _podsByName = new();
    private readonly List<Task> _background = [];
    private readonly Lock _backgroundLock = new();
    private readonly Dictionary<string, string> _nodeLabels;
    private Task _watchTask = Task.CompletedTask;
    private int _disposed;

    private LocalKubelet(string apiUrl, LocalKubeletOptions options, string setsid)
    {
        ApiUrl = apiUrl;
        _options = options;
        _setsid = setsid;
        _logger = options.LoggerFactory.CreateLogger<LocalKubelet>();
        _client = new Kubernetes(new KubernetesClientConfiguration { Host = apiUrl });
        _http = Probes.CreateClient();
        _probes = new Probes(_http);
        _ownsWorkDirectory = options.WorkDirectory is null;
        WorkDirectory = options.WorkDirectory ?? Directory.CreateTempSubdirectory("local-kubelet-").FullName;
        PersistentVolumeRoot = options.PersistentVolumeRoot ?? Path.Combine(WorkDirectory, "pvc");
        Directory.CreateDirectory(PersistentVolumeRoot);
        _nodeLabels = new Dictionary<string, string>(options.NodeLabels, StringComparer.Ordinal)
        {
            ["kubernetes.io/hostname"] = options.NodeName,
            ["kubernetes.io/os"] = "linux",
        };
    }

    /// <summary>The API server this kubelet talks to.</summary>
    public string ApiUrl { get; }

    /// <summary>The Node's name.</summary>
    public string NodeName => _options.NodeName;

    /// <summary>The folder holding the per-Pod folders (volumes, logs).</summary>
    public string WorkDirectory { get; }

    /// <summary>The root of the PersistentVolumeClaim folders (<c>&lt;root&gt;/&lt;namespace&gt;/&lt;claim&gt;</c>).</summary>
    public string PersistentVolumeRoot { get; }

    /// <summary>The container processes running now.</summary>
    public IReadOnlyList<PodProcessInfo> RunningProcesses
    {
        get
        {
            var processes = new List<PodProcessInfo>();
            foreach (var pod in _pods.Values)
            {
                lock (pod.Sync)
                {
                    processes.AddRange(pod.Containers
                        .Where(c => c.IsRunning)
                        .Select(c => new PodProcessInfo(pod.Namespace, pod.Name, pod.Uid, c.Spec.Name, c.ProcessId, pod.PodIP ?? string.Empty, c.RestartCount)));
                }
            }

            return processes;
        }
    }

    /// <summary>Registers the Node and starts watching Pods.</summary>
    /// <param name="apiUrl">The API server's URL, e.g. <c>KubeApiFake.Url</c>.</param>
    /// <param name="options">Settings; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="PlatformNotSupportedException">Not on Linux, or <c>setsid</c> (util-linux) is missing.</exception>
    public static async Task<LocalKubelet> StartAsync(string apiUrl, LocalKubeletOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(apiUrl);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The local kubelet runs Pods as Linux processes (signals, process groups); it needs Linux.");
        }

        var setsid = FindExecutable("setsid", Environment.GetEnvironmentVariable("PATH"))
            ?? throw new PlatformNotSupportedException("The local kubelet needs 'setsid' (util-linux) on PATH to give each container its own process group.");
        var kubelet = new LocalKubelet(apiUrl, options ?? new LocalKubeletOptions(), setsid);
        try
        {
            await kubelet.RegisterNodeAsync(cancellationToken);
        }
        catch
        {
            await kubelet.DisposeAsync();
            throw;
        }

        kubelet._watchTask = Task.Run(() => kubelet.WatchPodsAsync(kubelet._stop.Token), CancellationToken.None);
        return kubelet;
    }

    /// <summary>The loopback address of a Pod this kubelet runs, or null.</summary>
    public string? PodIP(string ns, string name) => Find(ns, name)?.PodIP;

    /// <summary>The local folder of a Pod this kubelet ran (volumes under <c>volumes/</c>, logs under <c>logs/</c>).</summary>
    /// <exception cref="InvalidOperationException">The Pod never ran here.</exception>
    public string PodDirectory(string ns, string name) => Require(ns, name).Directory;

    /// <summary>The folder of PersistentVolumeClaim <paramref name="claim"/> in <paramref name="ns"/>, created if missing; every Pod mounting the claim shares it.</summary>
    public string ClaimDirectory(string ns, string claim) =>
        Directory.CreateDirectory(Path.Combine(PersistentVolumeRoot, ns, claim)).FullName;

    /// <summary>The file holding a container's stdout (or stderr), across restarts.</summary>
    /// <exception cref="InvalidOperationException">The Pod never ran here or has no such container.</exception>
    public string LogPath(string ns, string name, string container, bool standardError = false)
    {
        var pod = Require(ns, name);
        lock (pod.Sync)
        {
            var run = pod.Containers.FirstOrDefault(c => c.Spec.Name == container)
                ?? throw new InvalidOperationException($"Pod {ns}/{name} has no container '{container}'; it has [{string.Join(", ", pod.Containers.Select(c => c.Spec.Name))}].");
            return standardError ? run.StderrPath : run.StdoutPath;
        }
    }

    /// <summary>What a container wrote to stdout (or stderr) so far.</summary>
    public string ReadLog(string ns, string name, string container, bool standardError = false)
    {
        var path = LogPath(ns, name, container, standardError);
        if (!File.Exists(path))
        {
            return string.Empty;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Kills a container with SIGKILL (all its processes), as the OOM killer or a crash would: exit code 137, reason
    /// OOMKilled when <paramref name="outOfMemory"/>, else Error. Returns once the termination is in the Pod's status.
    /// </summary>
    /// <param name="ns">The Pod's namespace.</param>
    /// <param name="name">The Pod's name.</param>
    /// <param name="container">The container; null for every running container of the Pod.</param>
    /// <param name="outOfMemory">Report reason OOMKilled.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="InvalidOperationException">The Pod does not run here, or no matching container is running.</exception>
    public async Task KillContainerAsync(string ns, string name, string? container = null, bool outOfMemory = false, CancellationToken cancellationToken = default)
    {
        var pod = Require(ns, name);
        List<(ContainerRun Run, int Pid, TaskCompletionSource Written)> targets;
        lock (pod.Sync)
        {
            targets = [.. pod.Containers
                .Where(c => c.IsRunning && c.ExitWritten is not null && (container is null || c.Spec.Name == container))
                .Select(c => (c, c.ProcessId, c.ExitWritten!))];
            if (targets.Count == 0)
            {
                throw new InvalidOperationException($"Pod {ns}/{name} has no running container{(container is null ? string.Empty : $" named '{container}'")} to kill.");
            }

            foreach (var (run, _, _) in targets)
            {
                run.KillReason = outOfMemory ? "OOMKilled" : "Error";
            }
        }

        foreach (var (_, pid, _) in targets)
        {
            NativeMethods.SignalGroup(pid, NativeMethods.SigKill);
        }

        await Task.WhenAll(targets.Select(t => t.Written.Task)).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Evicts a Pod as node-pressure eviction does: its containers are killed and its status becomes phase Failed,
    /// reason Evicted, with <paramref name="message"/>. The Pod object stays (as evicted Pods do) until deleted.
    /// </summary>
    /// <exception cref="InvalidOperationException">The Pod does not run here.</exception>
    public async Task EvictAsync(string ns, string name, string message = "The node was low on resource: memory.", CancellationToken cancellationToken = default)
    {
        var pod = Require(ns, name);
        lock (pod.Sync)
        {
            pod.Stopping = true;
            pod.Reason = "Evicted";
            pod.Message = message;
            foreach (var run in pod.Containers.Where(c => c.IsRunning))
            {
                NativeMethods.SignalGroup(run.ProcessId, NativeMethods.SigKill);
            }
        }

        LogEvicted(ns, name, message);
        await pod.StartTask.WaitAsync(cancellationToken);
        await Task.WhenAll(pod.Containers.Select(c => c.Finished.Task)).WaitAsync(cancellationToken);
        await WriteStatusAsync(pod);
    }

    /// <summary>
    /// Preempts a Pod as Kueue does for plain Pods: it adds the condition DisruptionTarget=True (reason Preempted,
    /// <paramref name="message"/>) and deletes the Pod gracefully; this kubelet then stops it with SIGTERM.
    /// </summary>
    public async Task PreemptAsync(string ns, string name, string message = "Preempted to accommodate a higher priority workload", CancellationToken cancellationToken = default)
    {
        var pod = await _client.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: cancellationToken);
        pod.Status ??= new V1PodStatus();
        pod.Status.Conditions = [.. (pod.Status.Conditions ?? []).Where(c => c.Type != "DisruptionTarget"),
            new V1PodCondition { Type = "DisruptionTarget", Status = "True", Reason = "Preempted", Message = message, LastTransitionTime = Now() }];
        await _client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, name, ns, cancellationToken: cancellationToken);
        await _client.CoreV1.DeleteNamespacedPodAsync(name, ns, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } }, cancellationToken: cancellationToken);
    }

    /// <summary>Reads the Pod until <paramref name="condition"/> holds; a <see cref="TimeoutException"/> describes its last status and logs.</summary>
    public async Task<V1Pod> WaitForPodAsync(string ns, string name, Func<V1Pod, bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = Stopwatch.StartNew();
        V1Pod? last = null;
        while (true)
        {
            try
            {
                last = await _client.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: cancellationToken);
                if (condition(last))
                {
                    return last;
                }
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                last = null;
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"Pod {ns}/{name} did not reach the expected state within {timeout.TotalSeconds:0.#} s. {Describe(ns, name, last)}");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>Waits until the Pod's phase is <paramref name="phase"/>.</summary>
    public Task<V1Pod> WaitForPhaseAsync(string ns, string name, string phase, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitForPodAsync(ns, name, pod => pod.Status?.Phase == phase, timeout, cancellationToken);

    /// <summary>Waits until the Pod's Ready condition is True.</summary>
    public Task<V1Pod> WaitForReadyAsync(string ns, string name, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitForPodAsync(ns, name, pod => pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true, timeout, cancellationToken);

    /// <summary>Waits until the Pod object is gone from the API server.</summary>
    public async Task WaitForPodDeletedAsync(string ns, string name, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            V1Pod last;
            try
            {
                last = await _client.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: cancellationToken);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return;
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"Pod {ns}/{name} was not deleted within {timeout.TotalSeconds:0.#} s. {Describe(ns, name, last)}");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>Stops watching, kills every container process (SIGKILL to its process group), removes the Node and, when the kubelet created it, its work folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        foreach (var pod in _pods.Values)
        {
            lock (pod.Sync)
            {
                pod.Stopping = true;
                pod.Removed = true;
                foreach (var run in pod.Containers.Where(c => c.IsRunning))
                {
                    NativeMethods.SignalGroup(run.ProcessId, NativeMethods.SigKill);
                }
            }
        }

        Task[] background;
        lock (_backgroundLock)
        {
            background = [.. _background, _watchTask];
        }

        try
        {
            await Task.WhenAll(background).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or HttpRequestException or HttpOperationException)
        {
            LogStopProblem(e.Message);
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _client.CoreV1.DeleteNodeAsync(NodeName, cancellationToken: timeout.Token);
        }
        catch (Exception e) when (e is HttpRequestException or HttpOperationException or OperationCanceledException)
        {
            LogStopProblem(e.Message);
        }

        _client.Dispose();
        _http.Dispose();
        _stop.Dispose();
        if (_ownsWorkDirectory)
        {
            try
            {
                Directory.Delete(WorkDirectory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogStopProblem(e.Message);
            }
        }
    }

    private async Task RegisterNodeAsync(CancellationToken cancellationToken)
    {
        var node = new V1Node
        {
            ApiVersion = "v1",
            Kind = "Node",
            Metadata = new V1ObjectMeta { Name = NodeName, Labels = _nodeLabels },
            Spec = new V1NodeSpec(),
        };
        try
        {
            node = await _client.CoreV1.CreateNodeAsync(node, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            node = await _client.CoreV1.ReadNodeAsync(NodeName, cancellationToken: cancellationToken);
        }

        var now = Now();
        var resources = _options.Capacity.ToDictionary(p => p.Key, p => new ResourceQuantity(p.Value), StringComparer.Ordinal);
        node.Status = new V1NodeStatus
        {
            Capacity = resources,
            Allocatable = resources,
            Addresses = [new V1NodeAddress { Address = "127.0.0.1", Type = "InternalIP" }, new V1NodeAddress { Address = NodeName, Type = "Hostname" }],
            Conditions =
            [
                new V1NodeCondition { Type = "Ready", Status = "True", Reason = "KubeletReady", Message = "kubelet is posting ready status", LastHeartbeatTime = now, LastTransitionTime = now },
                new V1NodeCondition { Type = "MemoryPressure", Status = "False", Reason = "KubeletHasSufficientMemory", LastHeartbeatTime = now, LastTransitionTime = now },
                new V1NodeCondition { Type = "DiskPressure", Status = "False", Reason = "KubeletHasNoDiskPressure", LastHeartbeatTime = now, LastTransitionTime = now },
                new V1NodeCondition { Type = "PIDPressure", Status = "False", Reason = "KubeletHasSufficientPID", LastHeartbeatTime = now, LastTransitionTime = now },
            ],
        };
        await _client.CoreV1.ReplaceNodeStatusAsync(node, NodeName, cancellationToken: cancellationToken);
    }

    private async Task WatchPodsAsync(CancellationToken cancellationToken)
    {
        string? resourceVersion = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var (type, pod) in _client.CoreV1.WatchListPodForAllNamespacesAsync(
                    allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: 300,
                    onError: e => LogWatchProblem(e.Message), cancellationToken: cancellationToken))
                {
                    if (type == WatchEventType.Error)
                    {
                        resourceVersion = null;
                        break;
                    }

                    if (pod?.Metadata?.Uid is not null && pod.Spec is not null)
                    {
                        if (type == WatchEventType.Deleted)
                        {
                            OnPodDeleted(pod);
                        }
                        else if (type is WatchEventType.Added or WatchEventType.Modified)
                        {
                            await OnPodChangedAsync(pod, cancellationToken);
                        }
                    }

                    // Only after handling: a failed event is seen again when the watch resumes.
                    resourceVersion = pod?.Metadata?.ResourceVersion ?? resourceVersion;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or HttpOperationException or IOException or System.Text.Json.JsonException)
            {
                LogWatchProblem(e.Message);
                try
                {
                    await Task.Delay(_options.RetryInterval, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task OnPodChangedAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(pod.Spec.NodeName))
        {
            await ScheduleAsync(pod, cancellationToken);
            return;
        }

        if (pod.Spec.NodeName != NodeName)
        {
            return;
        }

        var ns = pod.Metadata.NamespaceProperty;
        var name = pod.Metadata.Name;
        if (!_pods.TryGetValue(pod.Metadata.Uid, out var runtime))
        {
            if (pod.Status?.Phase is "Succeeded" or "Failed")
            {
                return;
            }

            var directory = Path.Combine(WorkDirectory, "pods", $"{ns}_{name}_{pod.Metadata.Uid}");
            runtime = new PodRuntime(ns, name, pod.Metadata.Uid, directory) { RestartPolicy = pod.Spec.RestartPolicy ?? "Always" };
            foreach (var container in pod.Spec.Containers ?? [])
            {
                runtime.Containers.Add(new ContainerRun(
                    container,
                    Path.Combine(directory, "logs", container.Name + ".stdout.log"),
                    Path.Combine(directory, "logs", container.Name + ".stderr.log")));
            }

            _pods[runtime.Uid] = runtime;
            _podsByName[(ns, name)] = runtime;
            if (pod.Metadata.DeletionTimestamp is not null)
            {
                runtime.Stopping = true;
                runtime.StartTask = Task.CompletedTask;
                foreach (var run in runtime.Containers)
                {
                    run.Finished.TrySetResult();
                }
            }
            else
            {
                runtime.StartTask = Track(StartPodAsync(runtime, pod));
            }
        }

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            lock (runtime.Sync)
            {
                if (runtime.TerminationStarted)
                {
                    return;
                }

                runtime.TerminationStarted = true;
                runtime.Stopping = true;
            }

            var grace = pod.Metadata.DeletionGracePeriodSeconds ?? pod.Spec.TerminationGracePeriodSeconds ?? 30;
            runtime.TerminationTask = Track(TerminateAsync(runtime, TimeSpan.FromSeconds(Math.Max(0, grace))));
        }
    }

    private void OnPodDeleted(V1Pod pod)
    {
        if (!_pods.TryGetValue(pod.Metadata.Uid, out var runtime))
        {
            return;
        }

        lock (runtime.Sync)
        {
            runtime.Stopping = true;
            runtime.Removed = true;
            foreach (var run in runtime.Containers.Where(c => c.IsRunning))
            {
                NativeMethods.SignalGroup(run.ProcessId, NativeMethods.SigKill);
            }
        }
    }

    private async Task ScheduleAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        if (pod.Metadata.DeletionTimestamp is not null
            || pod.Status?.Phase is "Succeeded" or "Failed"
            || (!string.IsNullOrEmpty(pod.Spec.SchedulerName) && pod.Spec.SchedulerName != "default-scheduler"))
        {
            return;
        }

        if (pod.Spec.SchedulingGates is { Count: > 0 })
        {
            await MarkUnschedulableAsync(pod, "SchedulingGated", "Scheduling is blocked due to non-empty scheduling gates", cancellationToken);
            return;
        }

        var mismatch = (pod.Spec.NodeSelector ?? new Dictionary<string, string>())
            .Where(pair => !_nodeLabels.TryGetValue(pair.Key, out var value) || value != pair.Value)
            .Select(pair => pair.Key)
            .ToList();
        if (mismatch.Count > 0)
        {
            await MarkUnschedulableAsync(pod, "Unschedulable", $"0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector ({string.Join(", ", mismatch)}).", cancellationToken);
            return;
        }

        var patch = new V1Patch(
            new JsonObject
            {
                ["metadata"] = new JsonObject { ["resourceVersion"] = pod.Metadata.ResourceVersion },
                ["spec"] = new JsonObject { ["nodeName"] = NodeName },
            }.ToJsonString(),
            V1Patch.PatchType.MergePatch);
        try
        {
            await _client.CoreV1.PatchNamespacedPodAsync(patch, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
            LogBound(pod.Metadata.NamespaceProperty, pod.Metadata.Name, NodeName);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            // A newer version of the Pod is on its way through the watch, or the Pod is gone.
        }
    }

    private async Task MarkUnschedulableAsync(V1Pod pod, string reason, string message, CancellationToken cancellationToken)
    {
        var conditions = pod.Status?.Conditions ?? [];
        if (conditions.Any(c => c.Type == "PodScheduled" && c.Status == "False" && c.Reason == reason && c.Message == message))
        {
            return;
        }

        pod.Status ??= new V1PodStatus();
        pod.Status.Phase = "Pending";
        pod.Status.Conditions = [.. conditions.Where(c => c.Type != "PodScheduled"),
            new V1PodCondition { Type = "PodScheduled", Status = "False", Reason = reason, Message = message, LastTransitionTime = Now() }];
        try
        {
            await _client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            // A newer version of the Pod is on its way through the watch, or the Pod is gone.
        }
    }

    private async Task StartPodAsync(PodRuntime runtime, V1Pod pod)
    {
        var launched = false;
        try
        {
            lock (runtime.Sync)
            {
                runtime.PodIP = LoopbackAddresses.Next();
                runtime.StartTime = Now();
            }

            Directory.CreateDirectory(Path.Combine(runtime.Directory, "logs"));
            await WriteStatusAsync(runtime);
            var launches = await PrepareLaunchesAsync(runtime, pod);
            if (launches is null)
            {
                return;
            }

            lock (runtime.Sync)
            {
                if (runtime.Stopping)
                {
                    return;
                }

                runtime.Initialized = true;
                launched = true;
            }

            LogStarting(runtime.Namespace, runtime.Name, runtime.PodIP!);
            foreach (var (run, launch) in launches)
            {
                _ = Track(RunContainerAsync(runtime, run, launch));
            }
        }
        finally
        {
            if (!launched)
            {
                foreach (var run in runtime.Containers)
                {
                    run.Finished.TrySetResult();
                }
            }
        }
    }

    private async Task<List<(ContainerRun Run, Launch Launch)>?> PrepareLaunchesAsync(PodRuntime runtime, V1Pod pod)
    {
        while (true)
        {
            lock (runtime.Sync)
            {
                if (runtime.Stopping)
                {
                    return null;
                }
            }

            try
            {
                var volumes = await PodSetup.PrepareVolumesAsync(_client, pod, runtime.Directory, PersistentVolumeRoot, _stop.Token);
                var launches = new List<(ContainerRun, Launch)>();
                foreach (var run in runtime.Containers)
                {
                    launches.Add((run, await PrepareLaunchAsync(runtime, pod, run, volumes)));
                }

                return launches;
            }
            catch (PodSetupException e)
            {
                lock (runtime.Sync)
                {
                    foreach (var run in runtime.Containers)
                    {
                        run.WaitingReason = e.Reason;
                        run.WaitingMessage = e.Message;
                    }
                }

                LogWaiting(runtime.Namespace, runtime.Name, e.Reason, e.Message);
                await WriteStatusAsync(runtime);
            }
            catch (Exception e) when (e is HttpRequestException or HttpOperationException or IOException or UnauthorizedAccessException)
            {
                LogWaiting(runtime.Namespace, runtime.Name, "RetryAfterError", e.Message);
            }

            try
            {
                await Task.Delay(_options.RetryInterval, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
    }

    private async Task<Launch> PrepareLaunchAsync(PodRuntime runtime, V1Pod pod, ContainerRun run, IReadOnlyDictionary<string, string> volumes)
    {
        var container = run.Spec;
        var program = _options.Images.Resolve(container.Image)
            ?? throw new PodSetupException("ErrImagePull", $"image \"{container.Image}\" is not in the local kubelet's image registry; map it with LocalKubeletOptions.Images.Map(...)");
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (_options.InheritEnvironment)
        {
            foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
            {
                environment[(string)entry.Key] = (string?)entry.Value ?? string.Empty;
            }
        }

        foreach (var (key, value) in program.Environment ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        environment["HOSTNAME"] = pod.Metadata.Name;
        environment["TUNE_Trainer__PathMap"] = PodSetup.PathMap(container, volumes);
        environment["TUNE_Trainer__ListenAddress"] = runtime.PodIP!;
        var podEnvironment = await PodSetup.EnvironmentAsync(_client, pod, container, runtime.PodIP!, "127.0.0.1", _options.Capacity, _stop.Token);
        foreach (var (key, value) in podEnvironment)
        {
            environment[key] = value;
        }

        foreach (var (key, value) in _options.Environment)
        {
            environment[key] = value;
        }

        var expansion = podEnvironment.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        var commandLine = program.CommandLine(container.Command, container.Args).Select(part => PodSetup.Expand(part, expansion)).ToList();
        if (commandLine.Count == 0)
        {
            throw new PodSetupException("CreateContainerConfigError", $"container \"{container.Name}\": no command: its image \"{container.Image}\" has no entrypoint and the container sets no command");
        }

        var workingDirectory = runtime.Directory;
        if (!string.IsNullOrEmpty(container.WorkingDir))
        {
            workingDirectory = MapPath(container.WorkingDir, environment["TUNE_Trainer__PathMap"]);
        }

        return new Launch(commandLine, environment, workingDirectory);
    }

    private static string MapPath(string path, string pathMap)
    {
        foreach (var entry in pathMap.Split(';', StringSplitOptions.RemoveEmptyEntries).OrderByDescending(e => e.IndexOf('=', StringComparison.Ordinal)))
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            var mount = entry[..equals];
            if (path == mount || path.StartsWith(mount + "/", StringComparison.Ordinal))
            {
                return entry[(equals + 1)..] + path[mount.Length..];
            }
        }

        return path;
    }

    private async Task RunContainerAsync(PodRuntime runtime, ContainerRun run, Launch launch)
    {
        var backoff = _options.RestartBackoff;
        try
        {
            while (true)
            {
                Process? process = null;
                TaskCompletionSource written = new(TaskCreationOptions.RunContinuationsAsynchronously);
                var executable = FindExecutable(launch.CommandLine[0], launch.Environment.GetValueOrDefault("PATH"));
                lock (runtime.Sync)
                {
                    if (runtime.Stopping)
                    {
                        break;
                    }

                    var now = Now();
                    run.KillReason = null;
                    run.WaitingReason = null;
                    run.WaitingMessage = null;
                    run.ExitWritten = written;
                    if (executable is null)
                    {
                        run.Terminated = new V1ContainerStateTerminated
                        {
                            ExitCode = 128,
                            Reason = "StartError",
                            Message = $"exec: \"{launch.CommandLine[0]}\": executable file not found in $PATH",
                            StartedAt = now,
                            FinishedAt = now,
                        };
                    }
                    else
                    {
                        process = Process.Start(StartInfo(launch, executable, run))!;
                        process.StandardInput.Close();
                        run.Process = process;
                        run.ProcessId = process.Id;
                        run.StartedAt = now;
                        run.Terminated = null;
                        run.Ready = run.Spec.ReadinessProbe is null;
                    }
                }

                int exitCode;
                if (process is null)
                {
                    exitCode = 128;
                    LogStartFailed(runtime.Namespace, runtime.Name, run.Spec.Name, launch.CommandLine[0]);
                    await WriteStatusAsync(runtime);
                    written.TrySetResult();
                }
                else
                {
                    using (process)
                    {
                        LogContainerStarted(runtime.Namespace, runtime.Name, run.Spec.Name, process.Id);
                        await WriteStatusAsync(runtime);
                        using var probeStop = new CancellationTokenSource();
                        var probing = run.Spec.ReadinessProbe is { } probe ? ProbeAsync(runtime, run, probe, probeStop.Token) : Task.CompletedTask;
                        await process.WaitForExitAsync(CancellationToken.None);
                        NativeMethods.SignalGroup(process.Id, NativeMethods.SigKill);
                        await probeStop.CancelAsync();
                        await probing;
                        exitCode = process.ExitCode;
                        lock (runtime.Sync)
                        {
                            run.Ready = false;
                            run.Terminated = new V1ContainerStateTerminated
                            {
                                ExitCode = exitCode,
                                Reason = run.KillReason ?? (exitCode == 0 ? "Completed" : "Error"),
                                StartedAt = run.StartedAt,
                                FinishedAt = Now(),
                                ContainerID = "local://" + process.Id,
                            };
                            run.Process = null;
                        }

                        LogContainerExited(runtime.Namespace, runtime.Name, run.Spec.Name, exitCode);
                        await WriteStatusAsync(runtime);
                        written.TrySetResult();
                    }
                }

                lock (runtime.Sync)
                {
                    var restart = !runtime.Stopping && (runtime.RestartPolicy == "Always" || (runtime.RestartPolicy == "OnFailure" && exitCode != 0));
                    if (!restart)
                    {
                        break;
                    }
                }

                try
                {
                    await Task.Delay(backoff, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                lock (runtime.Sync)
                {
                    if (runtime.Stopping)
                    {
                        break;
                    }

                    run.LastTerminated = run.Terminated;
                    run.Terminated = null;
                    run.RestartCount++;
                }
            }
        }
        finally
        {
            run.ExitWritten?.TrySetResult();
            run.Finished.TrySetResult();
        }
    }

    private ProcessStartInfo StartInfo(Launch launch, string executable, ContainerRun run)
    {
        var info = new ProcessStartInfo(_setsid)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            WorkingDirectory = Directory.Exists(launch.WorkingDirectory) ? launch.WorkingDirectory : Path.GetDirectoryName(run.StdoutPath)!,
        };

        // setsid gives the container its own session and process group (so all its processes can be signalled and
        // reaped together); the shell opens the log files and replaces itself with the program, keeping the pid.
        info.ArgumentList.Add("/bin/sh");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("out=$1; err=$2; shift 2; exec \"$@\" >>\"$out\" 2>>\"$err\"");
        info.ArgumentList.Add("sh");
        info.ArgumentList.Add(run.StdoutPath);
        info.ArgumentList.Add(run.StderrPath);
        info.ArgumentList.Add(executable);
        foreach (var argument in launch.CommandLine.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Clear();
        foreach (var (key, value) in launch.Environment)
        {
            info.Environment[key] = value;
        }

        return info;
    }

    private async Task ProbeAsync(PodRuntime runtime, ContainerRun run, V1Probe probe, CancellationToken cancellationToken)
    {
        var period = _options.ProbePeriod ?? TimeSpan.FromSeconds(Math.Max(1, probe.PeriodSeconds ?? 10));
        int successes = 0, failures = 0;
        try
        {
            if (probe.InitialDelaySeconds is > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(probe.InitialDelaySeconds.Value), cancellationToken);
            }

            while (!cancellationToken.IsCancellationRequested)
            {
                var (success, failure) = await _probes.RunAsync(probe, run.Spec, runtime.PodIP!, cancellationToken);
                var changed = false;
                lock (runtime.Sync)
                {
                    if (success)
                    {
                        failures = 0;
                        successes++;
                        if (!run.Ready && successes >= Math.Max(1, probe.SuccessThreshold ?? 1))
                        {
                            run.Ready = changed = true;
                        }
                    }
                    else
                    {
                        successes = 0;
                        failures++;
                        if (run.Ready && failures >= Math.Max(1, probe.FailureThreshold ?? 3))
                        {
                            run.Ready = false;
                            changed = true;
                        }
                    }
                }

                if (changed)
                {
                    LogReadiness(runtime.Namespace, runtime.Name, run.Spec.Name, success, failure ?? string.Empty);
                    await WriteStatusAsync(runtime);
                }

                await Task.Delay(period, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The container exited.
        }
    }

    private async Task TerminateAsync(PodRuntime runtime, TimeSpan grace)
    {
        await runtime.StartTask;
        List<int> running;
        lock (runtime.Sync)
        {
            running = [.. runtime.Containers.Where(c => c.IsRunning).Select(c => c.ProcessId)];
        }

        LogTerminating(runtime.Namespace, runtime.Name, running.Count, grace.TotalSeconds);
        foreach (var pid in running)
        {
            NativeMethods.Signal(pid, NativeMethods.SigTerm);
        }

        var finished = Task.WhenAll(runtime.Containers.Select(c => c.Finished.Task));
        try
        {
            await finished.WaitAsync(grace, _stop.Token);
        }
        catch (TimeoutException)
        {
            foreach (var pid in running)
            {
                NativeMethods.SignalGroup(pid, NativeMethods.SigKill);
            }

            await finished;
        }
        catch (OperationCanceledException)
        {
            return;
        }

        await WriteStatusAsync(runtime);
        try
        {
            await _client.CoreV1.DeleteNamespacedPodAsync(
                runtime.Name, runtime.Namespace,
                new V1DeleteOptions { GracePeriodSeconds = 0, Preconditions = new V1Preconditions { Uid = runtime.Uid } },
                cancellationToken: _stop.Token);
            LogDeleted(runtime.Namespace, runtime.Name);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            // Already gone, or a new Pod of the same name.
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            LogStopProblem(e.Message);
        }
        finally
        {
            lock (runtime.Sync)
            {
                runtime.Removed = true;
            }
        }
    }

    private async Task WriteStatusAsync(PodRuntime runtime)
    {
        try
        {
            await runtime.StatusWrites.WaitAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            for (var attempt = 0; attempt < 20; attempt++)
            {
                if (runtime.Removed)
                {
                    return;
                }

                V1Pod pod;
                try
                {
                    pod = await _client.CoreV1.ReadNamespacedPodAsync(runtime.Name, runtime.Namespace, cancellationToken: _stop.Token);
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
                {
                    runtime.Removed = true;
                    return;
                }

                if (pod.Metadata.Uid != runtime.Uid)
                {
                    runtime.Removed = true;
                    return;
                }

                pod.Status = BuildStatus(runtime, pod.Status ?? new V1PodStatus());
                try
                {
                    await _client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, runtime.Name, runtime.Namespace, cancellationToken: _stop.Token);
                    return;
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
                {
                    // Someone else wrote the Pod in between: read it again.
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
                {
                    runtime.Removed = true;
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The kubelet stops.
        }
        catch (Exception e) when (e is HttpRequestException or HttpOperationException)
        {
            LogStatusProblem(runtime.Namespace, runtime.Name, e.Message);
        }
        finally
        {
            runtime.StatusWrites.Release();
        }
    }

    private V1PodStatus BuildStatus(PodRuntime runtime, V1PodStatus old)
    {
        var now = Now();
        lock (runtime.Sync)
        {
            var conditions = runtime.Conditions(now);
            foreach (var condition in conditions)
            {
                if (old.Conditions?.FirstOrDefault(c => c.Type == condition.Type) is { } previous && previous.Status == condition.Status)
                {
                    condition.LastTransitionTime = previous.LastTransitionTime ?? now;
                }
            }

            conditions.AddRange((old.Conditions ?? []).Where(c => !OwnedConditions.Contains(c.Type)));
            return new V1PodStatus
            {
                Phase = runtime.Phase(),
                Reason = runtime.Reason,
                Message = runtime.Message,
                HostIP = "127.0.0.1",
                HostIPs = [new V1HostIP { Ip = "127.0.0.1" }],
                PodIP = runtime.PodIP,
                PodIPs = runtime.PodIP is null ? null : [new V1PodIP { Ip = runtime.PodIP }],
                StartTime = runtime.StartTime,
                Conditions = conditions,
                ContainerStatuses = [.. runtime.Containers.Select(c => c.ToStatus())],
                QosClass = old.QosClass ?? "BestEffort",
            };
        }
    }

    private string Describe(string ns, string name, V1Pod? pod)
    {
        var text = new StringBuilder();
        if (pod is null)
        {
            text.Append("The Pod does not exist.");
        }
        else
        {
            text.Append("Last status: ").Append(KubernetesJson.Serialize(pod.Status)).Append(". Deletion: ").Append(pod.Metadata.DeletionTimestamp?.ToString("O") ?? "none").Append('.');
        }

        if (Find(ns, name) is { } runtime)
        {
            foreach (var run in runtime.Containers)
            {
                var stderr = File.Exists(run.StderrPath) ? ReadLog(ns, name, run.Spec.Name, standardError: true) : string.Empty;
                text.Append(" Container ").Append(run.Spec.Name).Append(" stderr: ").Append(stderr.Length > 2000 ? stderr[^2000..] : stderr);
            }
        }

        return text.ToString();
    }

    private PodRuntime? Find(string ns, string name) => _podsByName.GetValueOrDefault((ns, name));

    private PodRuntime Require(string ns, string name) =>
        Find(ns, name) ?? throw new InvalidOperationException($"Pod {ns}/{name} has not run on node '{NodeName}'.");

    private DateTime Now() => _options.TimeProvider.GetUtcNow().UtcDateTime;

    private Task Track(Task task)
    {
        lock (_backgroundLock)
        {
            _background.RemoveAll(t => t.IsCompleted);
            _background.Add(task);
        }

        return task;
    }

    private static string? FindExecutable(string program, string? path)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(program) ? program : null;
        }

        foreach (var directory in (path ?? "/usr/local/bin:/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return candidate;
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bound Pod {Namespace}/{Name} to node {Node}")]
    private partial void LogBound(string @namespace, string name, string node);

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting Pod {Namespace}/{Name} at {PodIP}")]
    private partial void LogStarting(string @namespace, string name, string podIP);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pod {Namespace}/{Name} waits: {Reason}: {Message}")]
    private partial void LogWaiting(string @namespace, string name, string reason, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Container {Namespace}/{Name}/{Container} started as process {ProcessId}")]
    private partial void LogContainerStarted(string @namespace, string name, string container, int processId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Container {Namespace}/{Name}/{Container} could not start: {Program} not found")]
    private partial void LogStartFailed(string @namespace, string name, string container, string program);

    [LoggerMessage(Level = LogLevel.Information, Message = "Container {Namespace}/{Name}/{Container} exited with code {ExitCode}")]
    private partial void LogContainerExited(string @namespace, string name, string container, int exitCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Container {Namespace}/{Name}/{Container} ready: {Ready} {Failure}")]
    private partial void LogReadiness(string @namespace, string name, string container, bool ready, string failure);

    [LoggerMessage(Level = LogLevel.Information, Message = "Terminating Pod {Namespace}/{Name}: SIGTERM to {Count} container(s), grace period {GraceSeconds} s")]
    private partial void LogTerminating(string @namespace, string name, int count, double graceSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted Pod {Namespace}/{Name} after its containers stopped")]
    private partial void LogDeleted(string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Evicted Pod {Namespace}/{Name}: {Message}")]
    private partial void LogEvicted(string @namespace, string name, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write the status of Pod {Namespace}/{Name}: {Message}")]
    private partial void LogStatusProblem(string @namespace, string name, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pod watch interrupted: {Message}")]
    private partial void LogWatchProblem(string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "While stopping the local kubelet: {Message}")]
    private partial void LogStopProblem(string message);

    /// <summary>How a container's process is started.</summary>
    private sealed record Launch(IReadOnlyList<string> CommandLine, IReadOnlyDictionary<string, string> Environment, string WorkingDirectory);
}
