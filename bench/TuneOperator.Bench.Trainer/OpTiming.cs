using System.Text.Json.Serialization;

namespace TuneOperator.Bench.Trainer;

/// <summary>The forward and backward time of one operation of the model at one precision.</summary>
public sealed record OpTiming(
    [property: JsonPropertyName("op")] string Op,
    [property: JsonPropertyName("precision")] string Precision,
    [property: JsonPropertyName("forward_s")] double Forward,
    [property: JsonPropertyName("backward_s")] double Backward);
