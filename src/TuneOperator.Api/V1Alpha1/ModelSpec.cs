using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>The model to fine-tune: exactly one of <c>source</c>, <c>fromJob</c> or <c>init</c>.</summary>
[CelRule("(has(self.source) ? 1 : 0) + (has(self.fromJob) ? 1 : 0) + (has(self.init) ? 1 : 0) == 1",
    "exactly one of source, fromJob or init must be set")]
public sealed record ModelSpec
{
    /// <summary>Location of a model in Hugging Face layout (config.json, model.safetensors, tokenizer.json):
    /// <c>pvc://&lt;claim&gt;/&lt;path&gt;</c> or, in local mode, <c>file:///&lt;path&gt;</c>.
    /// Example: <c>pvc://models/smollm-135m</c>.</summary>
    [JsonPropertyName("source")]
    [MaxLength(1024)]
    [Pattern(Patterns.Location, Example = Patterns.LocationExample)]
    public string? Source { get; set; }

    /// <summary>Name of a FineTuneJob in the same namespace whose output is the starting point (sequential
    /// fine-tuning). The job waits until that job has succeeded.</summary>
    [JsonPropertyName("fromJob")]
    [MaxLength(253)]
    [Pattern(Patterns.ObjectName)]
    public string? FromJob { get; set; }

    /// <summary>Train from scratch: a freshly initialised model of the given architecture and sizes.</summary>
    [JsonPropertyName("init")]
    public ModelInit? Init { get; set; }
}
