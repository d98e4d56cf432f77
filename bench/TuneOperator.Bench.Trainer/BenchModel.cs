using TuneOperator.Data.ModelFiles;
using TuneOperator.Trainer.Models;

namespace TuneOperator.Bench.Trainer;

/// <summary>A named Llama configuration of the benchmark, with the batch it trains on.</summary>
/// <param name="Name">The name given on the command line (<c>tiny</c>, <c>20m</c>, <c>100m</c>).</param>
/// <param name="Init">The model sizes.</param>
/// <param name="BatchSize">Sequences per step.</param>
/// <param name="SequenceLength">Tokens per sequence.</param>
public sealed record BenchModel(string Name, ModelInitOptions Init, int BatchSize, int SequenceLength)
{
    /// <summary>The presets; <c>bench/pytorch/llama_bench.py</c> defines the same ones.</summary>
    public static IReadOnlyList<BenchModel> Presets { get; } =
    [
        new("tiny", new ModelInitOptions("llama", VocabSize: 256, HiddenSize: 64, Layers: 2, Heads: 4, KeyValueHeads: 2, IntermediateSize: 128, MaxPositions: 64), BatchSize: 2, SequenceLength: 32),
        new("20m", new ModelInitOptions("llama", VocabSize: 32000, HiddenSize: 384, Layers: 6, Heads: 6, KeyValueHeads: 2, IntermediateSize: 1024, MaxPositions: 256), BatchSize: 4, SequenceLength: 128),
        new("100m", new ModelInitOptions("llama", VocabSize: 32000, HiddenSize: 768, Layers: 12, Heads: 12, KeyValueHeads: 4, IntermediateSize: 2048, MaxPositions: 256), BatchSize: 2, SequenceLength: 128),
    ];

    /// <summary>Tokens in one batch.</summary>
    public long TokensPerStep => (long)BatchSize * SequenceLength;

    /// <summary>The config.json of the model.</summary>
    public ModelConfig ToConfig() => Init.ToConfig();

    /// <summary>The preset called <paramref name="name"/>; throws listing the presets otherwise.</summary>
    public static BenchModel Find(string name) =>
        Presets.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"--model '{name}' is unknown; use one of {string.Join(", ", Presets.Select(p => p.Name))}.");
}
