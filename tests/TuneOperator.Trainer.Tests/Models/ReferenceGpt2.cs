using System.Buffers.Binary;
using TuneOperator.Data.ModelFiles;

namespace TuneOperator.Trainer.Tests.Models;

/// <summary>
/// A scalar, double-precision GPT-2 forward pass written from the Hugging Face definition (Conv1D weights stored
/// [in, out], c_attn split into q | k | v, LayerNorm, gelu_new, learned positions, tied head), fed from saved files.
/// </summary>
internal sealed class ReferenceGpt2
{
    private readonly ModelConfig config;
    private readonly Dictionary<string, double[]> weights = new(StringComparer.Ordinal);

    public ReferenceGpt2(string directory)
    {
        config = ModelConfig.Load(directory);
        using var checkpoint = SafetensorsCheckpoint.Open(directory);
        foreach (var (name, info) in checkpoint.Tensors)
        {
            var bytes = checkpoint.ReadBytes(name);
            weights[name] = [.. Enumerable.Range(0, (int)info.ElementCount).Select(i => (double)BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4)))];
        }
    }

    /// <summary>Logits [T][V] for one sequence.</summary>
    public double[][] Forward(IReadOnlyList<long> ids)
    {
        var hidden = config.HiddenSize;
        var h = ids.Select((id, t) => Add(
            weights["transformer.wte.weight"].AsSpan((int)id * hidden, hidden).ToArray(),
            weights["transformer.wpe.weight"].AsSpan(t * hidden, hidden).ToArray())).ToArray();
        for (var layer = 0; layer < config.NumLayers; layer++)
        {
            var prefix = $"transformer.h.{layer}.";
            var x = h.Select(row => LayerNorm(row, prefix + "ln_1.")).ToArray();
            var attended = Attention(x, prefix + "attn.");
            h = [.. h.Select((row, t) => Add(row, attended[t]))];
            var y = h.Select(row => LayerNorm(row, prefix + "ln_2.")).ToArray();
            h = [.. h.Select((row, t) => Add(row, Mlp(y[t], prefix + "mlp.")))];
        }

        var embedding = weights["transformer.wte.weight"];
        return [.. h.Select(row =>
        {
            var normed = LayerNorm(row, "transformer.ln_f.");
            return Enumerable.Range(0, config.VocabSize).Select(v => Enumerable.Range(0, hidden).Sum(i => embedding[(v * hidden) + i] * normed[i])).ToArray();
        })];
    }

    private double[][] Attention(double[][] x, string prefix)
    {
        int heads = config.NumHeads, hidden = config.HiddenSize, d = hidden / heads, length = x.Length;
        var qkv = x.Select(row => Conv1D(row, prefix + "c_attn.", 3 * hidden)).ToArray();
        var output = new double[length][];
        for (var t = 0; t < length; t++)
        {
            var merged = new double[hidden];
            for (var head = 0; head < heads; head++)
            {
                var scores = new double[t + 1];
                for (var s = 0; s <= t; s++)
                {
                    for (var i = 0; i < d; i++)
                    {
                        scores[s] += qkv[t][(head * d) + i] * qkv[s][hidden + (head * d) + i];
                    }

                    scores[s] /= Math.Sqrt(d);
                }

                var max = scores.Max();
                var exp = scores.Select(score => Math.Exp(score - max)).ToArray();
                var sum = exp.Sum();
                for (var s = 0; s <= t; s++)
                {
                    for (var i = 0; i < d; i++)
                    {
                        merged[(head * d) + i] += exp[s] / sum * qkv[s][(2 * hidden) + (head * d) + i];
                    }
                }
            }

            output[t] = Conv1D(merged, prefix + "c_proj.", hidden);
        }

        return output;
    }

    private double[] Mlp(double[] x, string prefix)
    {
        var inner = Conv1D(x, prefix + "c_fc.", config.IntermediateSize)
            .Select(value => 0.5 * value * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (value + (0.044715 * value * value * value))))).ToArray();
        return Conv1D(inner, prefix + "c_proj.", config.HiddenSize);
    }

    private double[] LayerNorm(double[] x, string prefix)
    {
        var mean = x.Average();
        var variance = x.Sum(value => (value - mean) * (value - mean)) / x.Length;
        var weight = weights[prefix + "weight"];
        var bias = weights[prefix + "bias"];
        return [.. x.Select((value, i) => ((value - mean) / Math.Sqrt(variance + config.NormEps) * weight[i]) + bias[i])];
    }

    /// <summary>y = x W + b with W stored [in, out] row-major, as Hugging Face's Conv1D does.</summary>
    private double[] Conv1D(double[] x, string prefix, int outputs)
    {
        var weight = weights[prefix + "weight"];
        var bias = weights[prefix + "bias"];
        var y = new double[outputs];
        for (var o = 0; o < outputs; o++)
        {
            var sum = bias[o];
            for (var i = 0; i < x.Length; i++)
            {
                sum += x[i] * weight[(i * outputs) + o];
            }

            y[o] = sum;
        }

        return y;
    }

    private static double[] Add(double[] a, double[] b) => [.. a.Select((value, i) => value + b[i])];
}
