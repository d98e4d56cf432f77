namespace TuneOperator.Testing.Kubelet;

/// <summary>A Pod cannot start yet (a Secret, ConfigMap, key or image is missing); the container waits with <see cref="Reason"/>.</summary>
internal sealed class PodSetupException(string reason, string message) : Exception(message)
{
    /// <summary>The waiting reason, e.g. CreateContainerConfigError.</summary>
    public string Reason { get; } = reason;
}
