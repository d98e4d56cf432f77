using TorchSharp;
using TuneOperator.Data.ModelFiles;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>GPT-2 self-attention: one fused <c>c_attn</c> Conv1D for q, k and v, then <c>c_proj</c>.</summary>
public sealed class Gpt2Attention : nn.Module, ILinearHost
{
    private static readonly string[] Names = ["c_attn", "c_proj"];
    private nn.Module<Tensor, Tensor> c_attn;
    private nn.Module<Tensor, Tensor> c_proj;
    private readonly int heads;
    private readonly int hiddenSize;

    /// <summary>Creates the block for <paramref name="config"/>.</summary>
    public Gpt2Attention(ModelConfig config)
        : base(nameof(Gpt2Attention))
    {
        heads = config.NumHeads;
        hiddenSize = config.HiddenSize;
        c_attn = new Conv1D(hiddenSize, 3 * hiddenSize);
        c_proj = new Conv1D(hiddenSize, hiddenSize);
        RegisterComponents();
    }

    /// <inheritdoc />
    public IReadOnlyList<string> LinearNames => Names;

    /// <inheritdoc />
    public nn.Module<Tensor, Tensor> GetLinear(string name) => name switch
    {
        "c_attn" => c_attn,
        "c_proj" => c_proj,
        _ => throw LinearSlots.Unknown(name, Names),
    };

    /// <inheritdoc />
    public void SetLinear(string name, nn.Module<Tensor, Tensor> replacement)
    {
        switch (name)
        {
            case "c_attn": c_attn = replacement; break;
            case "c_proj": c_proj = replacement; break;
            default: throw LinearSlots.Unknown(name, Names);
        }

        LinearSlots.Reregister(this, name, replacement);
    }

    /// <summary>Attends over <paramref name="hidden"/> [B, T, H] with the boolean <paramref name="mask"/> (null: causal).</summary>
    public Tensor Forward(Tensor hidden, Tensor? mask)
    {
        using var scope = torch.NewDisposeScope();
        var batch = hidden.shape[0];
        var length = hidden.shape[1];
        var headDim = hiddenSize / heads;
        var parts = c_attn.forward(hidden).split(hiddenSize, dim: 2);
        var q = parts[0].view(batch, length, heads, headDim).transpose(1, 2);
        var k = parts[1].view(batch, length, heads, headDim).transpose(1, 2);
        var v = parts[2].view(batch, length, heads, headDim).transpose(1, 2);
        var attended = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: mask, is_casual: mask is null);
        var merged = attended.transpose(1, 2).reshape(batch, length, hiddenSize);
        return c_proj.forward(merged).MoveToOuterDisposeScope();
    }
}
