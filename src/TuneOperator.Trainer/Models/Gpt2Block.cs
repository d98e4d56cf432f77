using TorchSharp;
using TorchSharp.Modules;
using TuneOperator.Data.ModelFiles;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>One GPT-2 block (<c>h.N</c>): <c>x + attn(ln_1(x))</c>, then <c>x + mlp(ln_2(x))</c>.</summary>
public sealed class Gpt2Block : nn.Module
{
    private readonly LayerNorm ln_1;
    private readonly Gpt2Attention attn;
    private readonly LayerNorm ln_2;
    private readonly Gpt2Mlp mlp;

    /// <summary>Creates the block for <paramref name="config"/>.</summary>
    public Gpt2Block(ModelConfig config)
        : base(nameof(Gpt2Block))
    {
        ln_1 = nn.LayerNorm(config.HiddenSize, config.NormEps);
        attn = new Gpt2Attention(config);
        ln_2 = nn.LayerNorm(config.HiddenSize, config.NormEps);
        mlp = new Gpt2Mlp(config);
        RegisterComponents();
    }

    /// <summary>Runs the block with the boolean <paramref name="mask"/> (null: causal).</summary>
    public Tensor Forward(Tensor hidden, Tensor? mask)
    {
        using var scope = torch.NewDisposeScope();
        var attended = hidden + attn.Forward(ln_1.forward(hidden), mask);
        return (attended + mlp.forward(ln_2.forward(attended))).MoveToOuterDisposeScope();
    }
}
