namespace TuneOperator.Testing.Kubelet;

/// <summary>A container process that a <see cref="LocalKubelet"/> runs.</summary>
/// <param name="Namespace">The Pod's namespace.</param>
/// <param name="PodName">The Pod's name.</param>
/// <param name="PodUid">The Pod's UID.</param>
/// <param name="Container">The container's name.</param>
/// <param name="ProcessId">The process id (also its process group id).</param>
/// <param name="PodIP">The Pod's loopback address.</param>
/// <param name="RestartCount">How often the container was restarted before this process.</param>
public sealed record PodProcessInfo(string Namespace, string PodName, string PodUid, string Container, int ProcessId, string PodIP, int RestartCount);
