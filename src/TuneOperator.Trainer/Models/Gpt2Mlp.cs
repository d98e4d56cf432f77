using TorchSharp;
using TuneOperator.Data.ModelFiles;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>GPT-2's feed-forward block: <c>c_proj(gelu_new(c_fc(x)))</c>.</summary>
public sealed class Gpt2Mlp : nn.Module<Tensor, Tensor>, ILinearHost
{
    private static readonly string[] Names = ["c_fc", "c_proj"];
    private nn.Module<Tensor, Tensor> c_fc;
    private nn.Module<Tensor, Tensor> c_proj;

    /// <summary>Creates the block for <paramref name="config"/>.</summary>
    public Gpt2Mlp(ModelConfig config)
        : base(nameof(Gpt2Mlp))
    {
        c_fc = new Conv1D(config.HiddenSize, config.IntermediateSize);
        c_proj = new Conv1D(config.IntermediateSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <inheritdoc />
    public IReadOnlyList<string> LinearNames => Names;

    /// <inheritdoc />
    public nn.Module<Tensor, Tensor> GetLinear(string name) => name switch
    {
        "c_fc" => c_fc,
        "c_proj" => c_proj,
        _ => throw LinearSlots.Unknown(name, Names),
    };

    /// <inheritdoc />
    public void SetLinear(string name, nn.Module<Tensor, Tensor> replacement)
    {
        switch (name)
        {
            case "c_fc": c_fc = replacement; break;
            case "c_proj": c_proj = replacement; break;
            default: throw LinearSlots.Unknown(name, Names);
        }

        LinearSlots.Reregister(this, name, replacement);
    }

    /// <summary>The tanh approximation of GELU that GPT-2 uses ("gelu_new").</summary>
    public static Tensor GeluNew(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var inner = Math.Sqrt(2.0 / Math.PI) * (x + 0.044715 * x.pow(3));
        return (0.5 * x * (1.0 + inner.tanh())).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        return c_proj.forward(GeluNew(c_fc.forward(input))).MoveToOuterDisposeScope();
    }
}
