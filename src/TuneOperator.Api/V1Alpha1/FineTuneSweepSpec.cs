using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>Desired state of a FineTuneSweep.</summary>
[CelRule("(has(self.algorithm) && self.algorithm == 'random') || self.parameters.all(p, has(p.values))",
    "grid search needs values for every parameter; range is for algorithm random", FieldPath = ".parameters")]
[CelRule("!has(self.algorithm) || self.algorithm == 'grid' || has(self.maxTrials)", "algorithm random needs maxTrials",
    FieldPath = ".maxTrials", Reason = "FieldValueRequired")]
public sealed record FineTuneSweepSpec
{
    /// <summary>Spec of every trial's FineTuneJob; each trial overrides the parameters' paths. Its output location
    /// gets the trial name appended, so trials never overwrite each other.</summary>
    [JsonPropertyName("template")]
    public required FineTuneJobSpec Template { get; set; }

    /// <summary>The search space: spec paths and their candidate values (grid or random) or ranges (random).</summary>
    [JsonPropertyName("parameters")]
    [MinItems(1)]
    [MaxItems(16)]
    [ListMap("path")]
    public required List<SweepParameter> Parameters { get; set; }

    /// <summary><c>grid</c> tries every combination of the values; <c>random</c> draws maxTrials samples. Default
    /// grid.</summary>
    [JsonPropertyName("algorithm")]
    public SweepAlgorithm Algorithm { get; set; } = SweepAlgorithm.Grid;

    /// <summary>Maximum number of trials; for grid the combinations beyond it are skipped, for random it is the
    /// number of samples.</summary>
    [JsonPropertyName("maxTrials")]
    [Minimum(1)]
    [Maximum(256)]
    public int? MaxTrials { get; set; }

    /// <summary>Trials run at the same time. Default 1.</summary>
    [JsonPropertyName("maxParallel")]
    [Minimum(1)]
    [Maximum(64)]
    public int MaxParallel { get; set; } = 1;

    /// <summary>How the best trial is chosen.</summary>
    [JsonPropertyName("objective")]
    public required SweepObjective Objective { get; set; }
}

/// <summary>One dimension of the search space.</summary>
[CelRule("has(self.values) != has(self.range)", "exactly one of values or range must be set")]
public sealed record SweepParameter
{
    /// <summary>Dotted path of a numeric, boolean or enum field in the job spec, e.g.
    /// <c>hyperparameters.learningRate</c> or <c>method.lora.rank</c>.</summary>
    [JsonPropertyName("path")]
    [MaxLength(256)]
    [Pattern(@"^[a-zA-Z][a-zA-Z0-9]*(\.[a-zA-Z][a-zA-Z0-9]*)*$", Example = "a dotted spec path such as hyperparameters.learningRate")]
    public required string Path { get; set; }

    /// <summary>Candidate values in the field's type, e.g. [0.0001, 0.0003] or [cosine, linear].</summary>
    [JsonPropertyName("values")]
    [MinItems(1)]
    [MaxItems(64)]
    [PreserveUnknownFields]
    public List<JsonNode>? Values { get; set; }

    /// <summary>A range sampled by algorithm random.</summary>
    [JsonPropertyName("range")]
    public SweepRange? Range { get; set; }
}

/// <summary>A numeric range for random search.</summary>
[CelRule("self.min < self.max", "min must be lower than max", FieldPath = ".min")]
[CelRule("!has(self.scale) || self.scale != 'log' || self.min > 0.0", "a log scale needs min greater than 0",
    FieldPath = ".min")]
public sealed record SweepRange
{
    /// <summary>Lower bound (inclusive).</summary>
    [JsonPropertyName("min")]
    public required double Min { get; set; }

    /// <summary>Upper bound (exclusive for real fields, inclusive for integer fields, which are rounded).</summary>
    [JsonPropertyName("max")]
    public required double Max { get; set; }

    /// <summary><c>linear</c> samples uniformly; <c>log</c> samples uniformly in log space (for learning rates).
    /// Default linear.</summary>
    [JsonPropertyName("scale")]
    public RangeScale Scale { get; set; } = RangeScale.Linear;
}

/// <summary>How the best trial is chosen.</summary>
public sealed record SweepObjective
{
    /// <summary>Key of the trials' status.metrics that is compared, e.g. <c>evalLoss</c>.</summary>
    [JsonPropertyName("metric")]
    [MaxLength(63)]
    [Pattern(Patterns.MetricName)]
    public required string Metric { get; set; }

    /// <summary><c>minimize</c> or <c>maximize</c> the metric. Default minimize.</summary>
    [JsonPropertyName("goal")]
    public SweepGoal Goal { get; set; } = SweepGoal.Minimize;
}

/// <summary>A search algorithm.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SweepAlgorithm>))]
public enum SweepAlgorithm
{
    /// <summary>Every combination of the values.</summary>
    [JsonStringEnumMemberName("grid")]
    Grid,

    /// <summary>Random samples of the values and ranges (seeded by the template's seed).</summary>
    [JsonStringEnumMemberName("random")]
    Random,
}

/// <summary>The scale of a sampled range.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RangeScale>))]
public enum RangeScale
{
    /// <summary>Uniform.</summary>
    [JsonStringEnumMemberName("linear")]
    Linear,

    /// <summary>Log-uniform.</summary>
    [JsonStringEnumMemberName("log")]
    Log,
}

/// <summary>The direction of the sweep objective.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SweepGoal>))]
public enum SweepGoal
{
    /// <summary>Lower is better.</summary>
    [JsonStringEnumMemberName("minimize")]
    Minimize,

    /// <summary>Higher is better.</summary>
    [JsonStringEnumMemberName("maximize")]
    Maximize,
}
