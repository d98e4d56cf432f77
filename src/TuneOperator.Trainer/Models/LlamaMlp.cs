using TorchSharp;
using TuneOperator.Data.ModelFiles;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>The SwiGLU feed-forward block: <c>down_proj(silu(gate_proj(x)) · up_proj(x))</c>.</summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>, ILinearHost
{
    private static readonly string[] Names = ["gate_proj", "up_proj", "down_proj"];
    private nn.Module<Tensor, Tensor> gate_proj;
    private nn.Module<Tensor, Tensor> up_proj;
    private nn.Module<Tensor, Tensor> down_proj;

    /// <summary>Creates the block for <paramref name="config"/>.</summary>
    public LlamaMlp(ModelConfig config)
        : base(nameof(LlamaMlp))
    {
        gate_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: false);
        up_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: false);
        down_proj = nn.Linear(config.IntermediateSize, config.HiddenSize, hasBias: false);
        RegisterComponents();
    }

    /// <inheritdoc />
    public IReadOnlyList<string> LinearNames => Names;

    /// <inheritdoc />
    public nn.Module<Tensor, Tensor> GetLinear(string name) => name switch
    {
        "gate_proj" => gate_proj,
        "up_proj" => up_proj,
        "down_proj" => down_proj,
        _ => throw LinearSlots.Unknown(name, Names),
    };

    /// <inheritdoc />
    public void SetLinear(string name, nn.Module<Tensor, Tensor> replacement)
    {
        switch (name)
        {
            case "gate_proj": gate_proj = replacement; break;
            case "up_proj": up_proj = replacement; break;
            case "down_proj": down_proj = replacement; break;
            default: throw LinearSlots.Unknown(name, Names);
        }

        LinearSlots.Reregister(this, name, replacement);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var gated = nn.functional.silu(gate_proj.forward(input)) * up_proj.forward(input);
        return down_proj.forward(gated).MoveToOuterDisposeScope();
    }
}
