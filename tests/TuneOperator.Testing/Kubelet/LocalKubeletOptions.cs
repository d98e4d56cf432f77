using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TuneOperator.Testing.Kubelet;

/// <summary>Settings of a <see cref="LocalKubelet"/>.</summary>
public sealed class LocalKubeletOptions
{
    /// <summary>The Node's name; Pods are bound to it. Default <c>local-node</c>.</summary>
    public string NodeName { get; init; } = "local-node";

    /// <summary>Labels of the Node (a Pod's nodeSelector must match them). <c>kubernetes.io/hostname</c> and <c>kubernetes.io/os</c> are added.</summary>
    public IReadOnlyDictionary<string, string> NodeLabels { get; init; } = new Dictionary<string, string>();

    /// <summary>The Node's capacity and allocatable resources. Default 2 CPUs, 8Gi memory, 110 pods, 1 <c>nvidia.com/gpu</c>.</summary>
    public IReadOnlyDictionary<string, string> Capacity { get; init; } = new Dictionary<string, string>
    {
        ["cpu"] = "2",
        ["memory"] = "8Gi",
        ["pods"] = "110",
        ["nvidia.com/gpu"] = "1",
    };

    /// <summary>What each image runs.</summary>
    public ImageRegistry Images { get; init; } = new();

    /// <summary>
    /// The folder for per-Pod folders (volumes, logs). Null (default): a new temporary folder, deleted when the kubelet
    /// is disposed. A given folder is kept.
    /// </summary>
    public string? WorkDirectory { get; init; }

    /// <summary>
    /// The root of PersistentVolumeClaim folders: claim <c>c</c> of namespace <c>ns</c> is <c>&lt;root&gt;/ns/c</c>, shared by
    /// every Pod that mounts it. Null (default): <c>pvc</c> under <see cref="WorkDirectory"/>.
    /// </summary>
    public string? PersistentVolumeRoot { get; init; }

    /// <summary>Environment variables given to every container, after (over) the Pod's own.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether containers start with this process's environment (PATH, DOTNET_ROOT, ...) under theirs. Default true.</summary>
    public bool InheritEnvironment { get; init; } = true;

    /// <summary>How often readiness probes run, instead of their <c>periodSeconds</c> (tests should not wait 10 s). Null honours <c>periodSeconds</c>. Default 100 ms.</summary>
    public TimeSpan? ProbePeriod { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The pause before a container is restarted (restartPolicy Always/OnFailure); doubled per restart up to 5 s. Default 100 ms.</summary>
    public TimeSpan RestartBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often a Pod whose Secret, ConfigMap or image is missing retries its start. Default 200 ms.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The clock for timestamps.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the kubelet logs.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
