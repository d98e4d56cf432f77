namespace TuneOperator.Testing.Kube;

/// <summary>Settings of a <see cref="KubeApiFake"/>.</summary>
public sealed class KubeApiFakeOptions
{
    /// <summary>The clock for timestamps and Pod termination delays.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How many changes the watch history keeps; a watch from before the window gets 410 Expired. Default 10,000.</summary>
    public int HistoryLimit { get; init; } = 10_000;

    /// <summary>The resourceVersion before the first write.</summary>
    public long InitialResourceVersion { get; init; } = 1000;

    /// <summary>How often a watch with <c>allowWatchBookmarks=true</c> gets a BOOKMARK. Default 1 second (kube-apiserver: about a minute).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a gracefully deleted Pod (one bound to a node, not yet terminal) stays with its deletionTimestamp before the
    /// simulated kubelet confirms termination and it is removed. Zero (default) removes it right after the MODIFIED event;
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits for <see cref="KubeApiFake.FinishPodTermination"/> or a delete with grace period 0.
    /// </summary>
    public TimeSpan PodTerminationDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Whether creating an object in a namespace that does not exist is a 404, as on a real server. Default true.</summary>
    public bool RequireNamespaces { get; init; } = true;

    /// <summary>Namespaces that exist at start.</summary>
    public IReadOnlyList<string> InitialNamespaces { get; init; } = ["default", "kube-system", "kube-public"];

    /// <summary>Seed for generated names and fault injection, for reproducible tests.</summary>
    public int Seed { get; init; } = 1;
}
