using TorchSharp;
using TorchSharp.Modules;
using TuneOperator.Data.ModelFiles;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>The GPT-2 body (<c>transformer.*</c> keys): wte, wpe, h, ln_f.</summary>
public sealed class Gpt2Model : DecoderBackbone
{
    private static readonly string[] Embeddings = ["wte", "wpe"];
    private readonly Embedding wte;
    private readonly Embedding wpe;
    private readonly ModuleList<Gpt2Block> h;
    private readonly LayerNorm ln_f;
    private readonly int maxPositions;

    /// <summary>Creates the body for <paramref name="config"/>.</summary>
    public Gpt2Model(ModelConfig config)
        : base(nameof(Gpt2Model))
    {
        wte = nn.Embedding(config.VocabSize, config.HiddenSize);
        wpe = nn.Embedding(config.MaxPositions, config.HiddenSize);
        h = nn.ModuleList(Enumerable.Range(0, config.NumLayers).Select(_ => new Gpt2Block(config)).ToArray());
        ln_f = nn.LayerNorm(config.HiddenSize, config.NormEps);
        maxPositions = config.MaxPositions;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override string LayersName => "h";

    /// <inheritdoc />
    public override IReadOnlyList<string> EmbeddingNames => Embeddings;

    /// <inheritdoc />
    public override Embedding TokenEmbedding => wte;

    /// <inheritdoc />
    public override Tensor Forward(Tensor inputIds, Tensor? attentionMask, Tensor? positionIds)
    {
        if (inputIds.shape[1] > maxPositions)
        {
            throw new ArgumentException($"The sequence has {inputIds.shape[1]} tokens but GPT-2's n_positions is {maxPositions}; shorten the sequences (maxLength) to at most {maxPositions}.", nameof(inputIds));
        }

        using var scope = torch.NewDisposeScope();
        var positions = positionIds
            ?? (attentionMask is null ? AttentionMask.DefaultPositions(inputIds) : AttentionMask.SegmentPositions(attentionMask));
        var hidden = wte.forward(inputIds) + wpe.forward(positions);
        var mask = attentionMask is null ? null : AttentionMask.Build(attentionMask);
        foreach (var block in h)
        {
            hidden = block.Forward(hidden, mask);
        }

        return ln_f.forward(hidden).MoveToOuterDisposeScope();
    }
}
