using TorchSharp;
using TorchSharp.Modules;
using TuneOperator.Data.ModelFiles;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>
/// Llama-family self-attention with grouped-query attention: <c>num_key_value_heads</c> key/value heads are each
/// shared by <c>num_attention_heads / num_key_value_heads</c> query heads; rotary embeddings on queries and keys;
/// optional q/k/v bias (Qwen2).
/// </summary>
public sealed class LlamaAttention : nn.Module, ILinearHost
{
    private static readonly string[] Names = ["q_proj", "k_proj", "v_proj", "o_proj"];
    private nn.Module<Tensor, Tensor> q_proj;
    private nn.Module<Tensor, Tensor> k_proj;
    private nn.Module<Tensor, Tensor> v_proj;
    private nn.Module<Tensor, Tensor> o_proj;
    private readonly int heads;
    private readonly int kvHeads;
    private readonly int headDim;

    /// <summary>Creates the attention block for <paramref name="config"/>.</summary>
    public LlamaAttention(ModelConfig config)
        : base(nameof(LlamaAttention))
    {
        heads = config.NumHeads;
        kvHeads = config.NumKeyValueHeads;
        headDim = config.HeadDim;
        q_proj = nn.Linear(config.HiddenSize, heads * headDim, hasBias: config.AttentionBias);
        k_proj = nn.Linear(config.HiddenSize, kvHeads * headDim, hasBias: config.AttentionBias);
        v_proj = nn.Linear(config.HiddenSize, kvHeads * headDim, hasBias: config.AttentionBias);
        o_proj = nn.Linear(heads * headDim, config.HiddenSize, hasBias: false);
        RegisterComponents();
    }

    /// <inheritdoc />
    public IReadOnlyList<string> LinearNames => Names;

    /// <inheritdoc />
    public nn.Module<Tensor, Tensor> GetLinear(string name) => name switch
    {
        "q_proj" => q_proj,
        "k_proj" => k_proj,
        "v_proj" => v_proj,
        "o_proj" => o_proj,
        _ => throw LinearSlots.Unknown(name, Names),
    };

    /// <inheritdoc />
    public void SetLinear(string name, nn.Module<Tensor, Tensor> replacement)
    {
        switch (name)
        {
            case "q_proj": q_proj = replacement; break;
            case "k_proj": k_proj = replacement; break;
            case "v_proj": v_proj = replacement; break;
            case "o_proj": o_proj = replacement; break;
            default: throw LinearSlots.Unknown(name, Names);
        }

        LinearSlots.Reregister(this, name, replacement);
    }

    /// <summary>Attends over <paramref name="hidden"/> [B, T, H].</summary>
    /// <param name="hidden">The normalised hidden states.</param>
    /// <param name="cos">Rotary cosine table [B, 1, T, D].</param>
    /// <param name="sin">Rotary sine table [B, 1, T, D].</param>
    /// <param name="mask">Boolean mask [B, 1, T, T] (true = attend), or null for plain causal attention.</param>
    public Tensor Forward(Tensor hidden, Tensor cos, Tensor sin, Tensor? mask)
    {
        using var scope = torch.NewDisposeScope();
        var batch = hidden.shape[0];
        var length = hidden.shape[1];
        var q = q_proj.forward(hidden).view(batch, length, heads, headDim).transpose(1, 2);
        var k = k_proj.forward(hidden).view(batch, length, kvHeads, headDim).transpose(1, 2);
        var v = v_proj.forward(hidden).view(batch, length, kvHeads, headDim).transpose(1, 2);
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);
        if (heads != kvHeads)
        {
            k = k.repeat_interleave(heads / kvHeads, dim: 1);
            v = v.repeat_interleave(heads / kvHeads, dim: 1);
        }

        var attended = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: mask, is_casual: mask is null);
        var merged = attended.transpose(1, 2).reshape(batch, length, heads * headDim);
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }
}
