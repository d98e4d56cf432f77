using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>
/// Root-mean-square layer normalisation as in Llama: the input is normalised in float32 by the root of its mean
/// square over the last dimension, cast back to its dtype, and scaled by a learned weight (initialised to ones).
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double eps;

    /// <summary>Creates the norm over a last dimension of <paramref name="size"/> elements.</summary>
    public RmsNorm(long size, double eps)
        : base(nameof(RmsNorm))
    {
        weight = nn.Parameter(torch.ones(size));
        this.eps = eps;
        RegisterComponents();
    }

    /// <summary>The learned scale.</summary>
    public Parameter Weight => weight;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = input.to_type(ScalarType.Float32);
        var variance = x.pow(2).mean([-1L], keepdim: true);
        var normalized = (x * torch.rsqrt(variance + eps)).to_type(input.dtype);
        return (weight * normalized).MoveToOuterDisposeScope();
    }
}
