using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>Training and validation data. Give either <c>train</c> (with <c>format</c>) or <c>mix</c> (several
/// datasets, multi-task), and at most one of <c>validation</c> or <c>validationSplit</c>.</summary>
[CelRule("has(self.train) != has(self.mix)", "exactly one of train or mix must be set")]
[CelRule("!has(self.train) || has(self.format)", "format is required when train is set", FieldPath = ".format",
    Reason = "FieldValueRequired")]
[CelRule("!(has(self.validation) && has(self.validationSplit))", "set validation or validationSplit, not both",
    FieldPath = ".validationSplit")]
public sealed record DatasetSpec
{
    /// <summary>Location of the training data: a JSON Lines file (one example per line) or a folder of
    /// <c>*.jsonl</c> files, e.g. <c>pvc://data/alpaca/train.jsonl</c>.</summary>
    [JsonPropertyName("train")]
    [MaxLength(1024)]
    [Pattern(Patterns.Location, Example = Patterns.LocationExample)]
    public string? Train { get; set; }

    /// <summary>Location of a separate validation set in the same format as the training data.</summary>
    [JsonPropertyName("validation")]
    [MaxLength(1024)]
    [Pattern(Patterns.Location, Example = Patterns.LocationExample)]
    public string? Validation { get; set; }

    /// <summary>Fraction of the training rows held out for validation when no validation location is given,
    /// greater than 0 and at most 0.5, e.g. 0.1. The split is deterministic for a given seed.</summary>
    [JsonPropertyName("validationSplit")]
    [Minimum(0, Exclusive = true)]
    [Maximum(0.5)]
    public double? ValidationSplit { get; set; }

    /// <summary>Row format of <c>train</c>: <c>instruction</c> ({instruction, input, output}), <c>chat</c>
    /// ({messages: [{role, content}]}), <c>completion</c> ({text}) or <c>classification</c> ({text, label}).</summary>
    [JsonPropertyName("format")]
    public DatasetFormat? Format { get; set; }

    /// <summary>Maximum tokens per training sequence; longer examples are truncated (or dropped, see
    /// preprocessing.dropOverLength). Default 512.</summary>
    [JsonPropertyName("maxSeqLength")]
    [Minimum(8)]
    [Maximum(131072)]
    public int MaxSeqLength { get; set; } = 512;

    /// <summary>Pack several short examples into one sequence of maxSeqLength tokens (with attention kept within
    /// each example) for higher throughput. Default false.</summary>
    [JsonPropertyName("packing")]
    public bool Packing { get; set; }

    /// <summary>Cleaning and augmentation applied to the rows before tokenisation.</summary>
    [JsonPropertyName("preprocessing")]
    public PreprocessingSpec Preprocessing { get; set; } = new();

    /// <summary>Several datasets trained together (multi-task); each batch samples a dataset in proportion to its
    /// weight.</summary>
    [JsonPropertyName("mix")]
    [MinItems(1)]
    [MaxItems(16)]
    [ListMap("name")]
    public List<DatasetMixEntry>? Mix { get; set; }
}

/// <summary>One dataset of a multi-task mix.</summary>
public sealed record DatasetMixEntry
{
    /// <summary>Name of this task, used in metric names (e.g. <c>evalLoss_summarize</c>); a lowercase label.</summary>
    [JsonPropertyName("name")]
    [MaxLength(63)]
    [Pattern(Patterns.Label)]
    public required string Name { get; set; }

    /// <summary>Location of this task's training data (JSON Lines).</summary>
    [JsonPropertyName("train")]
    [MaxLength(1024)]
    [Pattern(Patterns.Location, Example = Patterns.LocationExample)]
    public required string Train { get; set; }

    /// <summary>Row format of this task's data.</summary>
    [JsonPropertyName("format")]
    public required DatasetFormat Format { get; set; }

    /// <summary>Relative sampling weight, greater than 0; weights are normalised over the mix. Default 1.</summary>
    [JsonPropertyName("weight")]
    [Minimum(0, Exclusive = true)]
    [Maximum(1000)]
    public double Weight { get; set; } = 1.0;
}

/// <summary>Row format of a dataset.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DatasetFormat>))]
public enum DatasetFormat
{
    /// <summary>{"instruction": ..., "input": ..., "output": ...}; input may be empty.</summary>
    [JsonStringEnumMemberName("instruction")]
    Instruction,

    /// <summary>{"messages": [{"role": "system|user|assistant", "content": ...}]}.</summary>
    [JsonStringEnumMemberName("chat")]
    Chat,

    /// <summary>{"text": ...}: plain text for causal language modelling.</summary>
    [JsonStringEnumMemberName("completion")]
    Completion,

    /// <summary>{"text": ..., "label": ...}: the label must be one of objective.classification.labels.</summary>
    [JsonStringEnumMemberName("classification")]
    Classification,
}
