using System.Text.Json.Serialization;

namespace TuneOperator.Bench.Trainer;

/// <summary>The result line of a throughput run; <c>bench/pytorch/llama_bench.py</c> prints the same fields.</summary>
public sealed record BenchReport(
    [property: JsonPropertyName("impl")] string Implementation,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("precision")] string Precision,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("params")] long Parameters,
    [property: JsonPropertyName("trainable")] long Trainable,
    [property: JsonPropertyName("tokens_per_step")] long TokensPerStep,
    [property: JsonPropertyName("flops_per_step")] double FlopsPerStep,
    [property: JsonPropertyName("step_s")] IReadOnlyList<double> StepSeconds,
    [property: JsonPropertyName("median_step_s")] double MedianStepSeconds,
    [property: JsonPropertyName("median_forward_s")] double MedianForwardSeconds,
    [property: JsonPropertyName("median_backward_s")] double MedianBackwardSeconds,
    [property: JsonPropertyName("median_optimizer_s")] double MedianOptimizerSeconds,
    [property: JsonPropertyName("tokens_per_s")] double TokensPerSecond,
    [property: JsonPropertyName("flops_per_s")] double FlopsPerSecond,
    [property: JsonPropertyName("peak_rss_bytes")] long PeakRssBytes,
    [property: JsonPropertyName("first_loss")] double FirstLoss,
    [property: JsonPropertyName("last_loss")] double LastLoss);
