using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace TuneOperator.Api;

/// <summary>
/// ModelDeployment serves a trained model with the trainer image in serve mode. Changing the model rolls it out
/// through canary steps; an analysis gate (error rate, latency, eval score) promotes it or rolls it back.
/// </summary>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KindName, PluralName = Plural)]
[ResourceNames(KindName, "modeldeployments", "modeldeployment", "mdep")]
[PrinterColumn("Phase", "string", ".status.phase", Description = "Pending, Progressing, Available, RolledBack or Failed")]
[PrinterColumn("Ready", "integer", ".status.readyReplicas", Description = "Replicas ready to serve")]
[PrinterColumn("Canary", "integer", ".status.canaryWeight", Description = "Percent of traffic on the canary")]
[PrinterColumn("Stable", "string", ".status.stableModel.path", Description = "The model serving the stable traffic", Priority = 1)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed class ModelDeployment : IKubernetesObject<V1ObjectMeta>, ISpec<ModelDeploymentSpec>, IStatus<ModelDeploymentStatus?>
{
    /// <summary>The kind.</summary>
    public const string KindName = "ModelDeployment";

    /// <summary>The plural resource name used in API paths.</summary>
    public const string Plural = "modeldeployments";

    /// <summary>APIVersion: tuneoperator.io/v1alpha1.</summary>
    [JsonPropertyName("apiVersion")]
    [MaxLength(64)]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    /// <summary>Kind: ModelDeployment.</summary>
    [JsonPropertyName("kind")]
    [MaxLength(64)]
    public string Kind { get; set; } = KindName;

    /// <summary>Standard object metadata.</summary>
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>Desired state: the model, replicas, serving container and rollout strategy.</summary>
    [JsonPropertyName("spec")]
    public required ModelDeploymentSpec Spec { get; set; }

    /// <summary>Observed state, written by the operator.</summary>
    [JsonPropertyName("status")]
    public ModelDeploymentStatus? Status { get; set; }
}
