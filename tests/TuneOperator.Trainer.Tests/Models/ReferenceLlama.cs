using System.Buffers.Binary;
using TuneOperator.Data.ModelFiles;

namespace TuneOperator.Trainer.Tests.Models;

/// <summary>
/// A scalar, double-precision Llama-family forward pass written straight from the Hugging Face definitions and fed
/// from a saved model directory through the pure safetensors reader: an independent check of key names, layouts,
/// RoPE, grouped-query attention, RMSNorm, SwiGLU and the (tied) head.
/// </summary>
internal sealed class ReferenceLlama
{
    private readonly ModelConfig config;
    private readonly Dictionary<string, double[]> weights = new(StringComparer.Ordinal);

    public ReferenceLlama(string directory)
    {
        config = ModelConfig.Load(directory);
        using var checkpoint = SafetensorsCheckpoint.Open(directory);
        foreach (var (name, info) in checkpoint.Tensors)
        {
            Assert32(info);
            var bytes = checkpoint.ReadBytes(name);
            var values = new double[info.ElementCount];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4));
            }

            weights[name] = values;
        }
    }

    private static void Assert32(SafetensorsTensorInfo info)
    {
        if (info.DType != SafetensorsDType.F32)
        {
            throw new InvalidOperationException($"The reference reads F32 weights only, not {info.DType} ({info.Name}).");
        }
    }

    /// <summary>Logits [T][V] for one sequence.</summary>
    public double[][] Forward(IReadOnlyList<long> ids)
    {
        var hidden = config.HiddenSize;
        var h = ids.Select(id => weights["model.embed_tokens.weight"].AsSpan((int)id * hidden, hidden).ToArray()).ToArray();
        for (var layer = 0; layer < config.NumLayers; layer++)
        {
            var prefix = $"model.layers.{layer}.";
            var x = h.Select(row => RmsNorm(row, weights[prefix + "input_layernorm.weight"])).ToArray();
            var attended = Attention(x, prefix + "self_attn.");
            h = [.. h.Select((row, t) => Add(row, attended[t]))];
            var y = h.Select(row => RmsNorm(row, weights[prefix + "post_attention_layernorm.weight"])).ToArray();
            h = [.. h.Select((row, t) => Add(row, Mlp(y[t], prefix + "mlp.")))];
        }

        var head = weights.GetValueOrDefault("lm_head.weight") ?? weights["model.embed_tokens.weight"];
        return [.. h.Select(row => Linear(RmsNorm(row, weights["model.norm.weight"]), head, null, config.VocabSize))];
    }

    private double[][] Attention(double[][] x, string prefix)
    {
        int heads = config.NumHeads, kvHeads = config.NumKeyValueHeads, d = config.HeadDim, length = x.Length;
        var q = x.Select((row, t) => Rope(Linear(row, weights[prefix + "q_proj.weight"], weights.GetValueOrDefault(prefix + "q_proj.bias"), heads * d), t, heads)).ToArray();
        var k = x.Select((row, t) => Rope(Linear(row, weights[prefix + "k_proj.weight"], weights.GetValueOrDefault(prefix + "k_proj.bias"), kvHeads * d), t, kvHeads)).ToArray();
        var v = x.Select(row => Linear(row, weights[prefix + "v_proj.weight"], weights.GetValueOrDefault(prefix + "v_proj.bias"), kvHeads * d)).ToArray();
        var output = new double[length][];
        for (var t = 0; t < length; t++)
        {
            var merged = new double[heads * d];
            for (var head = 0; head < heads; head++)
            {
                var kvHead = head / (heads / kvHeads);
                var scores = new double[t + 1];
                for (var s = 0; s <= t; s++)
                {
                    for (var i = 0; i < d; i++)
                    {
                        scores[s] += q[t][(head * d) + i] * k[s][(kvHead * d) + i];
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
                        merged[(head * d) + i] += exp[s] / sum * v[s][(kvHead * d) + i];
                    }
                }
            }

            output[t] = Linear(merged, weights[prefix + "o_proj.weight"], null, config.HiddenSize);
        }

        return output;
    }

    private double[] Rope(double[] vector, int position, int heads)
    {
        var d = config.HeadDim;
        var result = (double[])vector.Clone();
        for (var head = 0; head < heads; head++)
        {
            for (var i = 0; i < d / 2; i++)
            {
                var angle = position / Math.Pow(config.RopeTheta, 2.0 * i / d);
                var first = vector[(head * d) + i];
                var second = vector[(head * d) + i + (d / 2)];
                result[(head * d) + i] = (first * Math.Cos(angle)) - (second * Math.Sin(angle));
                result[(head * d) + i + (d / 2)] = (second * Math.Cos(angle)) + (first * Math.Sin(angle));
            }
        }

        return result;
    }

    private double[] Mlp(double[] x, string prefix)
    {
        var inner = config.IntermediateSize;
        var gate = Linear(x, weights[prefix + "gate_proj.weight"], null, inner);
        var up = Linear(x, weights[prefix + "up_proj.weight"], null, inner);
        var product = gate.Select((g, i) => g / (1 + Math.Exp(-g)) * up[i]).ToArray();
        return Linear(product, weights[prefix + "down_proj.weight"], null, config.HiddenSize);
    }

    private double[] RmsNorm(double[] x, double[] weight)
    {
        var rms = Math.Sqrt((x.Sum(value => value * value) / x.Length) + config.NormEps);
        return [.. x.Select((value, i) => value / rms * weight[i])];
    }

    /// <summary>y = W x + b with W stored [out, in] row-major, as nn.Linear does.</summary>
    private static double[] Linear(double[] x, double[] weight, double[]? bias, int outputs)
    {
        var y = new double[outputs];
        for (var o = 0; o < outputs; o++)
        {
            var sum = bias?[o] ?? 0;
            for (var i = 0; i < x.Length; i++)
            {
                sum += weight[(o * x.Length) + i] * x[i];
            }

            y[o] = sum;
        }

        return y;
    }

    private static double[] Add(double[] a, double[] b) => [.. a.Select((value, i) => value + b[i])];
}
