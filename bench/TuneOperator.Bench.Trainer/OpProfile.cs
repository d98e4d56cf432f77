using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace TuneOperator.Bench.Trainer;

/// <summary>
/// Times the building blocks of one training step of a preset in isolation, fp32 against bf16, with the shapes the
/// model uses: the projections, the LM head, the embedding lookup, attention, RMSNorm and the loss. It finds which
/// operation makes a precision slow.
/// </summary>
public static class OpProfile
{
    /// <summary>The median forward and backward times over <paramref name="repeats"/> runs of every operation.</summary>
    public static IEnumerable<OpTiming> Run(BenchModel preset, int repeats)
    {
        var init = preset.Init;
        var rows = preset.BatchSize * preset.SequenceLength;
        long headDim = init.HiddenSize / init.Heads;
        var intermediate = init.IntermediateSize ?? (4 * init.HiddenSize);
        long[] attentionShape = [preset.BatchSize, init.Heads, preset.SequenceLength, headDim];
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
        {
            var precision = dtype == ScalarType.Float32 ? "fp32" : "bf16";
            yield return Time($"linear {init.HiddenSize}->{init.HiddenSize}", precision, repeats, () =>
            {
                var x = randn(rows, init.HiddenSize).to_type(dtype).requires_grad_();
                var w = (randn(init.HiddenSize, init.HiddenSize) * 0.02).to_type(dtype).requires_grad_();
                return () => nn.functional.linear(x, w);
            });
            yield return Time($"linear {init.HiddenSize}->{intermediate}", precision, repeats, () =>
            {
                var x = randn(rows, init.HiddenSize).to_type(dtype).requires_grad_();
                var w = (randn(intermediate, init.HiddenSize) * 0.02).to_type(dtype).requires_grad_();
                return () => nn.functional.linear(x, w);
            });
            yield return Time($"frozen linear {init.HiddenSize}->{intermediate} (input gradient only)", precision, repeats, () =>
            {
                var x = randn(rows, init.HiddenSize).to_type(dtype).requires_grad_();
                var w = (randn(intermediate, init.HiddenSize) * 0.02).to_type(dtype);
                return () => nn.functional.linear(x, w);
            });
            yield return Time($"lora adapter {init.HiddenSize}->8->{intermediate} (x·Aᵀ·Bᵀ·2)", precision, repeats, () =>
            {
                var x = randn(rows, init.HiddenSize).to_type(dtype).requires_grad_();
                var a = (randn(8, init.HiddenSize) * 0.05).to_type(dtype).requires_grad_();
                var b = (randn(intermediate, 8) * 0.05).to_type(dtype).requires_grad_();
                return () => nn.functional.linear(nn.functional.linear(x, a), b) * 2.0;
            });
            yield return Time($"lm head {init.HiddenSize}->{init.VocabSize}", precision, repeats, () =>
            {
                var x = randn(rows, init.HiddenSize).to_type(dtype).requires_grad_();
                var w = (randn(init.VocabSize, init.HiddenSize) * 0.02).to_type(dtype).requires_grad_();
                return () => nn.functional.linear(x, w);
            });
            yield return Time($"embedding {init.VocabSize}x{init.HiddenSize}", precision, repeats, () =>
            {
                var ids = randint(0, init.VocabSize, [preset.BatchSize, preset.SequenceLength], dtype: ScalarType.Int64);
                var embedding = nn.Embedding(init.VocabSize, init.HiddenSize);
                embedding.to(dtype);
                return () => embedding.forward(ids);
            });
            yield return Time("sdpa causal", precision, repeats, () =>
            {
                var q = randn(attentionShape).to_type(dtype).requires_grad_();
                var k = randn(attentionShape).to_type(dtype).requires_grad_();
                var v = randn(attentionShape).to_type(dtype).requires_grad_();
                return () => nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true);
            });
            yield return Time("silu*mul", precision, repeats, () =>
            {
                var a = randn(rows, intermediate).to_type(dtype).requires_grad_();
                var b = randn(rows, intermediate).to_type(dtype).requires_grad_();
                return () => nn.functional.silu(a) * b;
            });
            yield return Time("rmsnorm (fp32 statistics)", precision, repeats, () =>
            {
                var x = randn(rows, init.HiddenSize).to_type(dtype).requires_grad_();
                var w = ones(init.HiddenSize).to_type(dtype).requires_grad_();
                return () =>
                {
                    var f = x.to_type(ScalarType.Float32);
                    return w * (f * rsqrt(f.pow(2).mean([-1L], keepdim: true) + 1e-6)).to_type(dtype);
                };
            });
            yield return Time($"cross entropy on {init.VocabSize} logits cast to fp32", precision, repeats, () =>
            {
                var logits = randn(rows, init.VocabSize).to_type(dtype).requires_grad_();
                var targets = randint(0, init.VocabSize, [rows], dtype: ScalarType.Int64);
                return () => nn.functional.cross_entropy(logits.to_type(ScalarType.Float32), targets, reduction: nn.Reduction.Sum);
            });
        }
    }

    private static OpTiming Time(string op, string precision, int repeats, Func<Func<Tensor>> setup)
    {
        using var scope = NewDisposeScope();
        var forward = setup();
        var forwardTimes = new List<double>();
        var backwardTimes = new List<double>();
        for (var i = 0; i <= repeats; i++)
        {
            using var inner = NewDisposeScope();
            var started = Stopwatch.GetTimestamp();
            var output = forward();
            var forwardDone = Stopwatch.GetTimestamp();
            output.to_type(ScalarType.Float32).sum().backward();
            var backwardDone = Stopwatch.GetTimestamp();
            if (i > 0)
            {
                forwardTimes.Add(Stopwatch.GetElapsedTime(started, forwardDone).TotalSeconds);
                backwardTimes.Add(Stopwatch.GetElapsedTime(forwardDone, backwardDone).TotalSeconds);
            }
        }

        return new OpTiming(op, precision, Median(forwardTimes), Median(backwardTimes));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
