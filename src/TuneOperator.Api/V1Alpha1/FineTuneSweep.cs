using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace TuneOperator.Api;

/// <summary>
/// FineTuneSweep searches hyperparameters: it creates child FineTuneJobs from a template, one per trial (a grid over
/// or random samples of the listed spec paths), runs at most maxParallel at once and reports the best trial.
/// </summary>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KindName, PluralName = Plural)]
[ResourceNames(KindName, "finetunesweeps", "finetunesweep", "fts")]
[PrinterColumn("Phase", "string", ".status.phase", Description = "Pending, Running, Succeeded or Failed")]
[PrinterColumn("Completed", "integer", ".status.completedTrials", Description = "Trials finished")]
[PrinterColumn("Best", "string", ".status.bestTrial.name", Description = "The best trial's FineTuneJob")]
[PrinterColumn("Metric", "number", ".status.bestTrial.metric", Description = "The best trial's objective value")]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed class FineTuneSweep : IKubernetesObject<V1ObjectMeta>, ISpec<FineTuneSweepSpec>, IStatus<FineTuneSweepStatus?>
{
    /// <summary>The kind.</summary>
    public const string KindName = "FineTuneSweep";

    /// <summary>The plural resource name used in API paths.</summary>
    public const string Plural = "finetunesweeps";

    /// <summary>APIVersion: tuneoperator.io/v1alpha1.</summary>
    [JsonPropertyName("apiVersion")]
    [MaxLength(64)]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    /// <summary>Kind: FineTuneSweep.</summary>
    [JsonPropertyName("kind")]
    [MaxLength(64)]
    public string Kind { get; set; } = KindName;

    /// <summary>Standard object metadata.</summary>
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>Desired state: the job template, the search space and the objective. Template and objective
    /// are immutable after creation.</summary>
    [JsonPropertyName("spec")]
    [CelRule("self.template == oldSelf.template", "spec.template is immutable; create a new FineTuneSweep instead",
        FieldPath = ".template")]
    [CelRule("self.objective == oldSelf.objective", "spec.objective is immutable; create a new FineTuneSweep instead",
        FieldPath = ".objective")]
    public required FineTuneSweepSpec Spec { get; set; }

    /// <summary>Observed state, written by the operator.</summary>
    [JsonPropertyName("status")]
    public FineTuneSweepStatus? Status { get; set; }
}
