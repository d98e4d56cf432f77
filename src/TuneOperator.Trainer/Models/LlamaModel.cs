using TorchSharp;
using TorchSharp.Modules;
using TuneOperator.Data.ModelFiles;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>The Llama-family body (<c>model.*</c> keys): embed_tokens, layers, norm.</summary>
public sealed class LlamaModel : DecoderBackbone
{
    private static readonly string[] Embeddings = ["embed_tokens"];
    private readonly Embedding embed_tokens;
    private readonly ModuleList<LlamaDecoderLayer> layers;
    private readonly RmsNorm norm;
    private readonly float[] inverseFrequencies;

    /// <summary>Creates the body for <paramref name="config"/>.</summary>
    public LlamaModel(ModelConfig config)
        : base(nameof(LlamaModel))
    {
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize);
        layers = nn.ModuleList(Enumerable.Range(0, config.NumLayers).Select(_ => new LlamaDecoderLayer(config)).ToArray());
        norm = new RmsNorm(config.HiddenSize, config.NormEps);
        var frequencies = RotaryEmbedding.InverseFrequencies(config.HeadDim, config.RopeTheta);
        inverseFrequencies = config.RopeScaling?.Apply(frequencies) ?? frequencies;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override string LayersName => "layers";

    /// <inheritdoc />
    public override IReadOnlyList<string> EmbeddingNames => Embeddings;

    /// <inheritdoc />
    public override Embedding TokenEmbedding => embed_tokens;

    /// <inheritdoc />
    public override Tensor Forward(Tensor inputIds, Tensor? attentionMask, Tensor? positionIds)
    {
        using var scope = torch.NewDisposeScope();
        var hidden = embed_tokens.forward(inputIds);
        var positions = positionIds
            ?? (attentionMask is null ? AttentionMask.DefaultPositions(inputIds) : AttentionMask.SegmentPositions(attentionMask));
        var (cos, sin) = RotaryEmbedding.Tables(positions, inverseFrequencies, hidden.dtype);
        var mask = attentionMask is null ? null : AttentionMask.Build(attentionMask);
        foreach (var layer in layers)
        {
            hidden = layer.Forward(hidden, cos, sin, mask);
        }

        return norm.forward(hidden).MoveToOuterDisposeScope();
    }
}
