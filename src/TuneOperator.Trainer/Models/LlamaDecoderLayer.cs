using TorchSharp;
using TuneOperator.Data.ModelFiles;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>One pre-norm Llama decoder layer: <c>x + attn(norm(x))</c>, then <c>x + mlp(norm(x))</c>.</summary>
public sealed class LlamaDecoderLayer : nn.Module
{
    private readonly LlamaAttention self_attn;
    private readonly LlamaMlp mlp;
    private readonly RmsNorm input_layernorm;
    private readonly RmsNorm post_attention_layernorm;

    /// <summary>Creates the layer for <paramref name="config"/>.</summary>
    public LlamaDecoderLayer(ModelConfig config)
        : base(nameof(LlamaDecoderLayer))
    {
        self_attn = new LlamaAttention(config);
        mlp = new LlamaMlp(config);
        input_layernorm = new RmsNorm(config.HiddenSize, config.NormEps);
        post_attention_layernorm = new RmsNorm(config.HiddenSize, config.NormEps);
        RegisterComponents();
    }

    /// <summary>Runs the layer; see <see cref="LlamaAttention.Forward"/> for the arguments.</summary>
    public Tensor Forward(Tensor hidden, Tensor cos, Tensor sin, Tensor? mask)
    {
        using var scope = torch.NewDisposeScope();
        var attended = hidden + self_attn.Forward(input_layernorm.forward(hidden), cos, sin, mask);
        return (attended + mlp.forward(post_attention_layernorm.forward(attended))).MoveToOuterDisposeScope();
    }
}
