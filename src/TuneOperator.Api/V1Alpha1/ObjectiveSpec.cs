using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>What the loss measures.</summary>
[CelRule("(has(self.type) && self.type == 'classification') == has(self.classification)",
    "classification must be set exactly when type is classification", FieldPath = ".classification")]
[CelRule("(has(self.type) && self.type == 'distillation') == has(self.distillation)",
    "distillation must be set exactly when type is distillation", FieldPath = ".distillation")]
public sealed record ObjectiveSpec
{
    /// <summary>Objective: <c>causalLM</c> (next-token loss on every token), <c>responseOnly</c> (loss only on the
    /// answer tokens of instruction/chat rows), <c>classification</c> (a label head on the last token) or
    /// <c>distillation</c> (match a teacher model's token distribution). Default causalLM.</summary>
    [JsonPropertyName("type")]
    public ObjectiveType Type { get; set; } = ObjectiveType.CausalLM;

    /// <summary>Classification settings; required when type is classification.</summary>
    [JsonPropertyName("classification")]
    public ClassificationSpec? Classification { get; set; }

    /// <summary>Distillation settings; required when type is distillation.</summary>
    [JsonPropertyName("distillation")]
    public DistillationSpec? Distillation { get; set; }
}

/// <summary>A training objective.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ObjectiveType>))]
public enum ObjectiveType
{
    /// <summary>Next-token prediction on every token.</summary>
    [JsonStringEnumMemberName("causalLM")]
    CausalLM,

    /// <summary>Next-token prediction on the response tokens only (prompt tokens are masked).</summary>
    [JsonStringEnumMemberName("responseOnly")]
    ResponseOnly,

    /// <summary>Sequence classification with a linear head over the labels.</summary>
    [JsonStringEnumMemberName("classification")]
    Classification,

    /// <summary>Knowledge distillation from a teacher model.</summary>
    [JsonStringEnumMemberName("distillation")]
    Distillation,
}

/// <summary>Sequence classification.</summary>
public sealed record ClassificationSpec
{
    /// <summary>The class labels, in the order of the classifier outputs, e.g. [negative, neutral, positive]. Every
    /// row's label must be one of them.</summary>
    [JsonPropertyName("labels")]
    [MinItems(2)]
    [MaxItems(1024)]
    [ListSet]
    [MaxLength(128)]
    [MinLength(1)]
    public required List<string> Labels { get; set; }
}

/// <summary>Knowledge distillation: loss = alpha · KL(teacher ‖ student at temperature T) · T² + (1 − alpha) ·
/// cross-entropy.</summary>
public sealed record DistillationSpec
{
    /// <summary>The teacher model; it must use the same tokenizer as the student.</summary>
    [JsonPropertyName("teacher")]
    public required ModelReference Teacher { get; set; }

    /// <summary>Softmax temperature applied to both teacher and student logits, greater than 0. Default 2.</summary>
    [JsonPropertyName("temperature")]
    [Minimum(0, Exclusive = true)]
    [Maximum(100)]
    public double Temperature { get; set; } = 2.0;

    /// <summary>Weight of the distillation term versus the hard-label loss, 0 to 1. Default 0.5.</summary>
    [JsonPropertyName("alpha")]
    [Minimum(0)]
    [Maximum(1)]
    public double Alpha { get; set; } = 0.5;
}
