namespace TuneOperator.Testing.Kube;

/// <summary>The parts of a delete request the fake honours.</summary>
/// <param name="PropagationPolicy"><c>Background</c> (default), <c>Foreground</c> or <c>Orphan</c>.</param>
/// <param name="GracePeriodSeconds">The requested grace period (Pods only); null uses the Pod's own.</param>
/// <param name="Uid">A UID precondition, or null.</param>
/// <param name="ResourceVersion">A resourceVersion precondition, or null.</param>
internal sealed record DeleteOptions(string? PropagationPolicy = null, long? GracePeriodSeconds = null, string? Uid = null, string? ResourceVersion = null);

/// <summary>One page of a list: raw items, the list's resourceVersion and the continue token for the next page.</summary>
internal sealed record ListResult(List<byte[]> Items, long ResourceVersion, string? Continue, long? RemainingItemCount);
