using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>The transformer body shared by the causal-LM and classification heads: token ids to hidden states.</summary>
public abstract class DecoderBackbone : nn.Module
{
    /// <summary>Creates the module.</summary>
    protected DecoderBackbone(string name)
        : base(name)
    {
    }

    /// <summary>The state-dict name of the layer list: <c>layers</c> (Llama) or <c>h</c> (GPT-2).</summary>
    public abstract string LayersName { get; }

    /// <summary>The state-dict names of the embedding modules (token and, for GPT-2, position).</summary>
    public abstract IReadOnlyList<string> EmbeddingNames { get; }

    /// <summary>The token embedding, whose weight a tied output head reuses.</summary>
    public abstract Embedding TokenEmbedding { get; }

    /// <summary>Maps token ids [B, T] to final normalised hidden states [B, T, H].</summary>
    /// <param name="inputIds">Token ids, int64.</param>
    /// <param name="attentionMask">Optional [B, T]: 0 for padding, otherwise a segment id (see <see cref="AttentionMask"/>).</param>
    /// <param name="positionIds">Optional [B, T] positions; default: restarting at 0 in every segment of
    /// <paramref name="attentionMask"/> (see <see cref="AttentionMask.SegmentPositions"/>), or 0..T-1 without a mask.</param>
    public abstract Tensor Forward(Tensor inputIds, Tensor? attentionMask, Tensor? positionIds);
}
