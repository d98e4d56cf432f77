using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace TuneOperator.Api;

/// <summary>
/// FineTuneJob fine-tunes (or trains from scratch) a language model: the operator runs the tune-trainer in a pod,
/// reports progress, metrics and checkpoints in the status, and writes the trained model to spec.output.location.
/// </summary>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KindName, PluralName = Plural)]
[ResourceNames(KindName, "finetunejobs", "finetunejob", "ftj")]
[PrinterColumn("Phase", "string", ".status.phase", Description = "Pending, Running, Suspended, Succeeded or Failed")]
[PrinterColumn("Progress", "number", ".status.progress.percent", Description = "Percent of the planned steps done")]
[PrinterColumn("Loss", "number", ".status.metrics.trainLoss", Description = "Latest training loss")]
[PrinterColumn("Eval", "number", ".status.metrics.evalLoss", Description = "Latest validation loss", Priority = 1)]
[PrinterColumn("Method", "string", ".spec.method.type", Priority = 1)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed class FineTuneJob : IKubernetesObject<V1ObjectMeta>, ISpec<FineTuneJobSpec>, IStatus<FineTuneJobStatus?>
{
    /// <summary>The kind.</summary>
    public const string KindName = "FineTuneJob";

    /// <summary>The plural resource name used in API paths.</summary>
    public const string Plural = "finetunejobs";

    /// <summary>APIVersion: tuneoperator.io/v1alpha1.</summary>
    [JsonPropertyName("apiVersion")]
    [MaxLength(64)]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    /// <summary>Kind: FineTuneJob.</summary>
    [JsonPropertyName("kind")]
    [MaxLength(64)]
    public string Kind { get; set; } = KindName;

    /// <summary>Standard object metadata.</summary>
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>Desired state: model, data, method, objective, hyperparameters, evaluation, checkpointing, output,
    /// resources and run policy. Immutable after creation except runPolicy (and resources while suspended).</summary>
    [JsonPropertyName("spec")]
    [CelRule("self.model == oldSelf.model", "spec.model is immutable; create a new FineTuneJob instead",
        FieldPath = ".model")]
    [CelRule("self.dataset == oldSelf.dataset", "spec.dataset is immutable; create a new FineTuneJob instead",
        FieldPath = ".dataset")]
    [CelRule("has(self.method) == has(oldSelf.method) && (!has(self.method) || self.method == oldSelf.method)",
        "spec.method is immutable; create a new FineTuneJob instead", FieldPath = ".method")]
    [CelRule("has(self.objective) == has(oldSelf.objective) && (!has(self.objective) || self.objective == oldSelf.objective)",
        "spec.objective is immutable; create a new FineTuneJob instead", FieldPath = ".objective")]
    [CelRule("has(self.hyperparameters) == has(oldSelf.hyperparameters) && (!has(self.hyperparameters) || self.hyperparameters == oldSelf.hyperparameters)",
        "spec.hyperparameters is immutable; create a new FineTuneJob instead", FieldPath = ".hyperparameters")]
    [CelRule("has(self.evaluation) == has(oldSelf.evaluation) && (!has(self.evaluation) || self.evaluation == oldSelf.evaluation)",
        "spec.evaluation is immutable; create a new FineTuneJob instead", FieldPath = ".evaluation")]
    [CelRule("has(self.checkpoint) == has(oldSelf.checkpoint) && (!has(self.checkpoint) || self.checkpoint == oldSelf.checkpoint)",
        "spec.checkpoint is immutable; create a new FineTuneJob instead", FieldPath = ".checkpoint")]
    [CelRule("self.output == oldSelf.output", "spec.output is immutable; create a new FineTuneJob instead",
        FieldPath = ".output")]
    [CelRule("has(self.trainer) == has(oldSelf.trainer) && (!has(self.trainer) || self.trainer == oldSelf.trainer)",
        "spec.trainer is immutable; create a new FineTuneJob instead", FieldPath = ".trainer")]
    [CelRule("(has(self.resources) == has(oldSelf.resources) && (!has(self.resources) || self.resources == oldSelf.resources)) || (has(oldSelf.runPolicy) && has(oldSelf.runPolicy.suspend) && oldSelf.runPolicy.suspend)",
        "spec.resources can change only while the job is suspended (runPolicy.suspend: true)", FieldPath = ".resources")]
    public required FineTuneJobSpec Spec { get; set; }

    /// <summary>Observed state, written by the operator.</summary>
    [JsonPropertyName("status")]
    public FineTuneJobStatus? Status { get; set; }
}
