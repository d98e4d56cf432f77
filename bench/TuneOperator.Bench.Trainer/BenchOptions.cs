using System.Globalization;

namespace TuneOperator.Bench.Trainer;

/// <summary>The command line of the benchmark.</summary>
/// <param name="Model">The model preset.</param>
/// <param name="Bf16">bf16 compute with fp32 master weights (as <c>ComputePrecision.BFloat16</c>) instead of fp32.</param>
/// <param name="Lora">LoRA (rank 8, alpha 16, all linear projections) instead of full fine-tuning.</param>
/// <param name="WarmupSteps">Steps run before measuring.</param>
/// <param name="Steps">Measured steps (for <c>growth</c>: the total number of steps).</param>
/// <param name="Threads">libtorch intra-op threads.</param>
/// <param name="Seed">Seed of the initialisation and of the token ids.</param>
/// <param name="Growth">Run the memory-growth measurement instead of the throughput one.</param>
/// <param name="Ops">Time the model's operations one by one, fp32 against bf16, instead of whole steps.</param>
/// <param name="SampleEvery">Steps between samples of a growth run; <see langword="null"/>: a tenth of the steps.</param>
public sealed record BenchOptions(BenchModel Model, bool Bf16, bool Lora, int WarmupSteps, int Steps, int Threads, long Seed, bool Growth, bool Ops = false, int? SampleEvery = null)
{
    /// <summary>The usage text.</summary>
    public const string Usage =
        "usage: tune-bench-trainer [--model tiny|20m|100m] [--precision fp32|bf16] [--mode full|lora] [--warmup N] [--steps N] [--threads N] [--seed N] [--growth] [--sample-every N] [--ops]";

    /// <summary>Parses <paramref name="args"/>; throws naming the bad option.</summary>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var model = BenchModel.Find("20m");
        var bf16 = false;
        var lora = false;
        var warmup = 2;
        var steps = 5;
        var threads = Environment.ProcessorCount;
        long seed = 0;
        var growth = false;
        var ops = false;
        int? sampleEvery = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--growth")
            {
                growth = true;
                continue;
            }

            if (name == "--ops")
            {
                ops = true;
                continue;
            }

            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name} needs a value. {Usage}");
            }

            var value = args[++i];
            switch (name)
            {
                case "--model": model = BenchModel.Find(value); break;
                case "--precision":
                    bf16 = value switch
                    {
                        "fp32" => false,
                        "bf16" => true,
                        _ => throw new ArgumentException($"--precision '{value}' is unknown; use fp32 or bf16."),
                    };
                    break;
                case "--mode":
                    lora = value switch
                    {
                        "full" => false,
                        "lora" => true,
                        _ => throw new ArgumentException($"--mode '{value}' is unknown; use full or lora."),
                    };
                    break;
                case "--warmup": warmup = Count(name, value, 0); break;
                case "--steps": steps = Count(name, value, 1); break;
                case "--threads": threads = Count(name, value, 1); break;
                case "--seed": seed = Count(name, value, 0); break;
                case "--sample-every": sampleEvery = Count(name, value, 1); break;
                default: throw new ArgumentException($"Unknown option {name}. {Usage}");
            }
        }

        return new BenchOptions(model, bf16, lora, warmup, steps, threads, seed, growth, ops, sampleEvery);
    }

    private static int Count(string name, string value, int minimum) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed >= minimum
            ? parsed
            : throw new ArgumentException($"{name} must be an integer ≥ {minimum} (got '{value}').");
}
