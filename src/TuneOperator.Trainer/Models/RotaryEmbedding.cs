using TorchSharp;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>
/// Rotary position embeddings in Hugging Face's convention: frequencies <c>1 / theta^(2i/d)</c>, the angle table
/// concatenated with itself (<c>[f, f]</c>), and the rotation <c>x·cos + rotate_half(x)·sin</c> where
/// <c>rotate_half([a, b]) = [-b, a]</c> over the two halves of the head dimension.
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>The inverse frequencies for a head of <paramref name="headDim"/> elements.</summary>
    public static float[] InverseFrequencies(int headDim, double theta)
    {
        var result = new float[headDim / 2];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = (float)(1.0 / Math.Pow(theta, 2.0 * i / headDim));
        }

        return result;
    }

    /// <summary>
    /// The cosine and sine tables for <paramref name="positionIds"/> [B, T], shaped [B, 1, T, headDim] so they
    /// broadcast over the heads, in <paramref name="dtype"/> (computed in float32).
    /// </summary>
    public static (Tensor Cos, Tensor Sin) Tables(Tensor positionIds, float[] inverseFrequencies, ScalarType dtype)
    {
        using var scope = torch.NewDisposeScope();
        var frequencies = torch.tensor(inverseFrequencies, device: positionIds.device);
        var angles = positionIds.to_type(ScalarType.Float32).unsqueeze(-1) * frequencies;
        var table = torch.cat([angles, angles], -1).unsqueeze(1);
        var cos = table.cos().to_type(dtype).MoveToOuterDisposeScope();
        var sin = table.sin().to_type(dtype).MoveToOuterDisposeScope();
        return (cos, sin);
    }

    /// <summary>Rotates <paramref name="x"/> [B, H, T, D] by the tables from <see cref="Tables"/>.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = torch.NewDisposeScope();
        return (x * cos + RotateHalf(x) * sin).MoveToOuterDisposeScope();
    }

    /// <summary>Maps the halves [a, b] of the last dimension to [-b, a].</summary>
    public static Tensor RotateHalf(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var halves = x.chunk(2, -1);
        return torch.cat([-halves[1], halves[0]], -1).MoveToOuterDisposeScope();
    }
}
