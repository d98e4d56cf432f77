using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>Desired state of a FineTuneJob: which model is trained on which data, how, and where the result goes.</summary>
[CelRule("!has(self.objective) || !has(self.objective.type) || self.objective.type != 'classification' || (has(self.dataset.format) && self.dataset.format == 'classification')",
    "objective classification needs dataset.train with format classification", FieldPath = ".dataset.format")]
[CelRule("!has(self.dataset.format) || self.dataset.format != 'classification' || (has(self.objective) && has(self.objective.type) && self.objective.type == 'classification')",
    "dataset format classification needs objective.type classification with its labels", FieldPath = ".objective.type")]
[CelRule("!has(self.output.format) || self.output.format != 'adapter' || (has(self.method) && has(self.method.type) && self.method.type == 'lora')",
    "output format adapter needs method.type lora", FieldPath = ".output.format")]
[CelRule("!has(self.evaluation) || !has(self.evaluation.earlyStopping) || has(self.dataset.validation) || has(self.dataset.validationSplit)",
    "earlyStopping needs validation data: set dataset.validation or dataset.validationSplit",
    FieldPath = ".evaluation.earlyStopping")]
[CelRule("!has(self.method) || !has(self.method.freeze) || !has(self.model.init) || self.method.freeze.layers < self.model.init.layers",
    "method.freeze.layers must be lower than model.init.layers", FieldPath = ".method.freeze.layers")]
public sealed record FineTuneJobSpec
{
    /// <summary>The model to start from: a location, another job's output, or a new model.</summary>
    [JsonPropertyName("model")]
    public required ModelSpec Model { get; set; }

    /// <summary>Training and validation data.</summary>
    [JsonPropertyName("dataset")]
    public required DatasetSpec Dataset { get; set; }

    /// <summary>Training method (full, lora, freeze). Default full.</summary>
    [JsonPropertyName("method")]
    public MethodSpec Method { get; set; } = new();

    /// <summary>Training objective (causalLM, responseOnly, classification, distillation). Default causalLM.</summary>
    [JsonPropertyName("objective")]
    public ObjectiveSpec Objective { get; set; } = new();

    /// <summary>Optimiser and schedule settings.</summary>
    [JsonPropertyName("hyperparameters")]
    public HyperparametersSpec Hyperparameters { get; set; } = new();

    /// <summary>Evaluation, quality gates and early stopping; unset evaluates loss at the end of each epoch when
    /// validation data exists.</summary>
    [JsonPropertyName("evaluation")]
    public EvaluationSpec? Evaluation { get; set; }

    /// <summary>Checkpointing.</summary>
    [JsonPropertyName("checkpoint")]
    public CheckpointSpec Checkpoint { get; set; } = new();

    /// <summary>Where the trained model is written. Required.</summary>
    [JsonPropertyName("output")]
    public required OutputSpec Output { get; set; }

    /// <summary>Compute resources and scheduling of the trainer pod.</summary>
    [JsonPropertyName("resources")]
    public ResourcesSpec Resources { get; set; } = new();

    /// <summary>Trainer container image and pull policy.</summary>
    [JsonPropertyName("trainer")]
    public TrainerSpec Trainer { get; set; } = new();

    /// <summary>Retries, deadline, clean-up and suspension; the only part of the spec that may change later.</summary>
    [JsonPropertyName("runPolicy")]
    public RunPolicySpec RunPolicy { get; set; } = new();
}
