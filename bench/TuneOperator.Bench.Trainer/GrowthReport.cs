using System.Text.Json.Serialization;

namespace TuneOperator.Bench.Trainer;

/// <summary>The result line of a memory-growth run: resident memory after warm-up and at the end, and the managed bytes one training step allocates (samples excluded).</summary>
public sealed record GrowthReport(
    [property: JsonPropertyName("impl")] string Implementation,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("steps")] int Steps,
    [property: JsonPropertyName("warmup")] int WarmupSteps,
    [property: JsonPropertyName("rss_after_warmup_bytes")] long RssAfterWarmup,
    [property: JsonPropertyName("rss_end_bytes")] long RssAtEnd,
    [property: JsonPropertyName("growth_percent")] double GrowthPercent,
    [property: JsonPropertyName("rss_samples_bytes")] IReadOnlyList<long> RssSamples,
    [property: JsonPropertyName("samples")] IReadOnlyList<GrowthSample> Samples,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("managed_bytes_per_step")] double ManagedBytesPerStep);
